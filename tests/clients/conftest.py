"""A live stack for the clients' own tests and examples: a real livekit-server and a
`warmtransfer serve` process wired to it, on free loopback ports.

Each language's suite runs as a child process with `WARMTRANSFER_TARGET` (host:port) and
`WARMTRANSFER_API_KEY` in its environment, and must exit 0.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.livekit_server import running_livekit
from tests.server.processes import free_port, start_server_process, stop_server_process

API_KEY = "key-a"  # tenant-a (see tests/server/processes.py)
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class LiveStack:
    target: str
    api_key: str

    def env(self) -> dict[str, str]:
        return dict(os.environ) | {
            "WARMTRANSFER_TARGET": self.target,
            "WARMTRANSFER_API_KEY": self.api_key,
        }


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[LiveStack]:
    async with running_livekit() as livekit:
        port = free_port()
        process = await start_server_process(
            tmp_path / "data",
            port,
            LIVEKIT_URL=livekit.url,
            LIVEKIT_API_KEY=livekit.api_key,
            LIVEKIT_API_SECRET=livekit.api_secret,
        )
        try:
            yield LiveStack(f"127.0.0.1:{port}", API_KEY)
        finally:
            await stop_server_process(process)


async def run(
    command: Sequence[str], *, cwd: Path, env: dict[str, str], timeout: float = 600
) -> str:
    """Run `command` to the end; its combined output, or a failure that shows it."""
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"{' '.join(command)} did not finish in {timeout:.0f} s") from None
    text = out.decode(errors="replace")
    assert process.returncode == 0, f"{' '.join(command)} exited {process.returncode}:\n{text}"
    return text
