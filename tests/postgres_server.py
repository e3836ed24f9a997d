"""A real PostgreSQL server for tests: a throw-away cluster on a free loopback port.

Debian's `postgresql` package provides the binaries (`make test` installs it when missing);
WARMTRANSFER_POSTGRES_BIN names another directory of them. The cluster lives in a temporary
directory and is removed afterwards; each test takes a fresh database in it. PostgreSQL refuses
to run as root, so under root the cluster runs as the `postgres` user the package creates.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.daemons import running_daemon
from tests.livekit_server import _free_tcp_port

READY_LINE = "database system is ready to accept connections"
START_TIMEOUT_S = 60.0


def bin_dir() -> Path:
    candidates = [os.environ.get("WARMTRANSFER_POSTGRES_BIN") or ""]
    candidates += sorted(
        (str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    for candidate in candidates:
        if candidate and (Path(candidate) / "postgres").is_file():
            return Path(candidate)
    pytest.fail("PostgreSQL is not installed: run 'make test' (it installs Debian's postgresql)")


@dataclass(slots=True)
class PostgresServer:
    port: int
    pid: int  # the postmaster's; its children are the connections' backends
    _names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self) -> str:
        """A new empty database; its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    binaries = bin_dir()
    root = Path(tempfile.mkdtemp(prefix="wt-postgres-"))
    # Under root, the programs themselves run as postgres (no wrapper process between the
    # test and the server, so signals reach the server).
    as_owner: dict[str, Any] = {}
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_owner = {"user": "postgres", "group": "postgres", "extra_groups": []}
    data = root / "data"
    subprocess.run(
        [
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        check=True,
        capture_output=True,
        **as_owner,
    )
    port = _free_tcp_port()
    argv = [
        str(binaries / "postgres"),
        "-D",
        str(data),
        "-p",
        str(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        f"unix_socket_directories={root}",
        "-c",
        "max_connections=200",
    ]
    try:
        # SIGINT: the "fast" shutdown, which disconnects clients instead of waiting for them.
        with running_daemon(
            "PostgreSQL",
            argv,
            ready_line=READY_LINE,
            stop_signal=signal.SIGINT,
            start_timeout_s=START_TIMEOUT_S,
            **as_owner,
        ) as process:
            yield PostgresServer(port, process.pid)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def call_owner(url: str, call_id: str) -> tuple[str, int] | None:
    """(replica, epoch) that owns the call in the database at `url`, or None."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT owner, epoch FROM call_owners WHERE call_id = %s", (call_id,)
        ).fetchone()
    return (str(row[0]), int(row[1])) if row else None
