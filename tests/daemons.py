"""Server programs for tests (PostgreSQL, Redis): started, awaited until their log says they are
ready, and stopped with the signal each prefers."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest


@contextlib.contextmanager
def running_daemon(
    name: str,
    argv: Sequence[str],
    *,
    ready_line: str,
    stop_signal: int = signal.SIGTERM,
    start_timeout_s: float = 60.0,
    **popen: Any,
) -> Iterator[subprocess.Popen[str]]:
    """Run `argv` until the context ends; yield once its log (stdout and stderr, merged) shows
    `ready_line`, fail the test with the log's end if it never does."""
    process = subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen
    )
    ready = threading.Event()
    log: list[str] = []

    def read_log() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line)
            if ready_line in line:
                ready.set()

    reader = threading.Thread(target=read_log, name=f"{name}-log", daemon=True)
    reader.start()
    try:
        if not ready.wait(start_timeout_s) or process.poll() is not None:
            pytest.fail(f"{name} did not start:\n" + "".join(log[-30:]))
        yield process
    finally:
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
        assert process.stdout is not None
        process.stdout.close()
