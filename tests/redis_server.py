"""A real Redis server for tests: Debian's `redis-server` on a free loopback port, in memory only
(`make test` installs the package when missing)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.daemons import running_daemon
from tests.livekit_server import _free_tcp_port

READY_LINE = "Ready to accept connections"
START_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class RedisServer:
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@contextlib.contextmanager
def running_redis(port: int | None = None) -> Iterator[RedisServer]:
    """A fresh, empty Redis on `port` (default: a free one)."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not shutil.which(binary):
        pytest.fail("redis-server is not installed: run 'make test' (it installs Debian's)")
    port = port or _free_tcp_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with running_daemon(
        "redis-server", argv, ready_line=READY_LINE, start_timeout_s=START_TIMEOUT_S
    ) as process:
        yield RedisServer(port, process.pid)
