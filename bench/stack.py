"""The whole stack for benchmarks: a local livekit-server, the media worker (its own process) and
the API server (in this process, or with `server_process` in a process of its own), with a
client."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bench.common import free_port
from tests.livekit_server import LiveKitServer, WorkerProcess, running_livekit, running_worker
from tests.server.processes import start_server_process, stop_server_process
from warmtransfer.client import Client
from warmtransfer.server.app import start_server
from warmtransfer.server.config import ServerConfig, load_config

API_KEY = "k"


@dataclass(frozen=True, slots=True)
class Stack:
    livekit: LiveKitServer
    worker: WorkerProcess
    client: Client


@contextlib.asynccontextmanager
async def running_stack(*, server_process: bool = False) -> AsyncIterator[Stack]:
    port = free_port()
    async with running_livekit() as lk, running_worker(lk, f"127.0.0.1:{port}") as worker:
        with tempfile.TemporaryDirectory() as data:
            env = {
                "WARMTRANSFER_API_KEYS": f"{API_KEY}=t",
                "WARMTRANSFER_LISTEN": f"127.0.0.1:{port}",
                "WARMTRANSFER_DATA_DIR": data,
                "LIVEKIT_URL": lk.url,
                "LIVEKIT_API_KEY": lk.api_key,
                "LIVEKIT_API_SECRET": lk.api_secret,
            }
            if server_process:
                # The server's own defaults (not the test helper's quicker summaries).
                env["WARMTRANSFER_SUMMARY_EVERY_SECONDS"] = str(
                    ServerConfig().summary_every_seconds
                )
                process = await start_server_process(Path(data), port, **env)
                try:
                    async with Client(f"127.0.0.1:{port}", api_key=API_KEY) as client:
                        yield Stack(lk, worker, client)
                finally:
                    await stop_server_process(process)
                return
            server = await start_server(load_config(env))
            try:
                async with Client(f"127.0.0.1:{port}", api_key=API_KEY) as client:
                    yield Stack(lk, worker, client)
            finally:
                await server.stop(grace=1)
