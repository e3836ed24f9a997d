"""A real `livekit-server --dev` for tests, on free loopback ports.

`make test` builds the pinned server and passes its path in WARMTRANSFER_LIVEKIT_SERVER; a
`livekit-server` on PATH or in .tools/bin works too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# A secret of full HS256 strength (the --dev default "secret" draws a warning from PyJWT).
API_KEY, API_SECRET = "testkey", "warmtransfer-test-secret-of-32-bytes-or-more"
READY_LINE = b"starting LiveKit server"
current_test: pytest.Item | None = None  # set by tests/conftest.py as each test starts


@dataclass(frozen=True, slots=True)
class LiveKitServer:
    url: str
    api_key: str = API_KEY
    api_secret: str = API_SECRET
    process: asyncio.subprocess.Process | None = field(default=None, compare=False, repr=False)


def binary() -> str:
    candidates = [
        os.environ.get("WARMTRANSFER_LIVEKIT_SERVER"),
        str(Path(__file__).resolve().parents[1] / ".tools" / "bin" / "livekit-server"),
        shutil.which("livekit-server"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail("livekit-server is not installed: run 'make setup' (it builds the pinned release)")


def _free_tcp_port() -> int:
    """A free port below Linux's ephemeral range (32768+), where outgoing connections cannot
    take it between this check and livekit-server's bind."""
    while True:
        port = random.randrange(20000, 30000)
        with socket.socket() as sock:
            try:
                sock.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port


@contextlib.asynccontextmanager
async def running_livekit(*, redis: str | None = None) -> AsyncIterator[LiveKitServer]:
    """Start livekit-server (a node of the cluster on the Redis at `redis`, host:port, if
    given); a port taken meanwhile by another process means a retry."""
    if current_test is not None and current_test.get_closest_marker("livekit") is None:
        pytest.fail(
            f"{current_test.nodeid} starts a livekit-server but is not marked `livekit`"
            " (make test-fast would run it): mark its module with pytestmark"
        )
    for attempt in range(3):
        try:
            async with _running_livekit(redis) as server:
                yield server
                return
        except PortTaken:
            if attempt == 2:
                raise


class PortTaken(RuntimeError):
    pass


@contextlib.asynccontextmanager
async def _running_livekit(redis: str | None) -> AsyncIterator[LiveKitServer]:
    port, rtc_tcp = _free_tcp_port(), _free_tcp_port()
    udp_start = random.randrange(30000, 32500, 100)
    config = (
        f"port: {port}\n"
        "rtc:\n"
        f"  tcp_port: {rtc_tcp}\n"
        f"  port_range_start: {udp_start}\n"
        f"  port_range_end: {udp_start + 99}\n"
        "  use_external_ip: false\n"
        "logging:\n  level: info\n"
        f"keys:\n  {API_KEY}: {API_SECRET}\n"
    )
    # A node of a cluster finds the others, and the rooms they host, through Redis.
    mode = ["--dev"] if redis is None else []
    if redis is not None:
        config += f"redis:\n  address: {redis}\n"
    process = await asyncio.create_subprocess_exec(
        binary(), *mode, "--bind", "127.0.0.1", "--node-ip", "127.0.0.1",
        "--config-body", config,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    log: list[bytes] = []

    async def until_ready() -> None:
        assert process.stdout is not None
        while True:
            line = await process.stdout.readline()
            if not line:
                output = b"".join(log).decode()
                if "address already in use" in output:
                    raise PortTaken(output)
                raise RuntimeError("livekit-server exited:\n" + output)
            log.append(line)
            if READY_LINE in line:
                return

    drain: asyncio.Task[None] | None = None
    try:
        await asyncio.wait_for(until_ready(), timeout=60)

        async def keep_draining() -> None:  # so the server never blocks on a full pipe
            assert process.stdout is not None
            while await process.stdout.readline():
                pass

        drain = asyncio.create_task(keep_draining())
        yield LiveKitServer(url=f"ws://127.0.0.1:{port}", process=process)
    finally:
        if process.returncode is None:
            process.kill()  # a test server keeps nothing; SIGTERM would drain rooms for 20 s
            await process.wait()
        if drain is not None:
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain


WORKER_READY = b"registered worker"


@dataclass
class WorkerProcess:
    """A running `warmtransfer agent`: its pid, its output so far, its health check's port."""

    pid: int
    output: list[bytes]
    health_port: int
    process: asyncio.subprocess.Process


@contextlib.asynccontextmanager
async def running_worker(
    livekit: LiveKitServer, server: str | None = None, extra_env: dict[str, str] | None = None
) -> AsyncIterator[WorkerProcess]:
    """`warmtransfer agent` in its own process, registered with `livekit` and sending
    transcripts to `server` (host:port); `extra_env` configures it further."""
    import sys

    health_port = _free_tcp_port()
    env = os.environ | {
        "LIVEKIT_URL": livekit.url,
        "LIVEKIT_API_KEY": livekit.api_key,
        "LIVEKIT_API_SECRET": livekit.api_secret,
        "WARMTRANSFER_WORKER_HEALTH_PORT": str(health_port),
    }
    if server is not None:
        env["WARMTRANSFER_SERVER"] = server
    env.pop("ELEVEN_API_KEY", None)
    env.pop("DEEPGRAM_API_KEY", None)
    env.update(extra_env or {})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "warmtransfer.cli", "agent",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[bytes] = []

    async def ready() -> None:
        assert process.stdout is not None
        while True:
            line = await process.stdout.readline()
            if not line:
                raise RuntimeError("the worker exited:\n" + b"".join(lines).decode())
            lines.append(line)
            if WORKER_READY in line:
                return

    async def drain() -> None:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            lines.append(line)

    drainer: asyncio.Task[None] | None = None
    try:
        await asyncio.wait_for(ready(), 120)
        drainer = asyncio.create_task(drain())
        yield WorkerProcess(process.pid, lines, health_port, process)
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()
        if drainer is not None:
            drainer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drainer
