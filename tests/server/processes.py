"""`warmtransfer serve` in a child process, for tests that kill and restart it."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.conftest import KEYS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_server_process(data_dir: Path, port: int, **env: str) -> asyncio.subprocess.Process:
    """Start the server on `port` (without LiveKit unless `env` says where it is) and wait until
    its health check answers."""
    child_env = (
        os.environ
        | {
            "WARMTRANSFER_API_KEYS": KEYS,
            "WARMTRANSFER_SUMMARY_EVERY_SECONDS": "0.2",
            "WARMTRANSFER_MEDIA": "livekit" if "LIVEKIT_URL" in env else "none",
        }
        | env
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "warmtransfer.cli", "serve",
        "--listen", f"127.0.0.1:{port}", "--data-dir", str(data_dir),
        env=child_env,
    )  # fmt: skip
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest(service="")
        await asyncio.wait_for(health.Check(request, wait_for_ready=True), timeout=120)
    return process


async def stop_server_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        await process.wait()
