"""Worker processes for CPU-bound work, so the server's event loop only does I/O.

A `Worker` is one process (or, with `in_process`, one thread of the server: tests and small
deployments) that runs one job at a time, in the order submitted. State a job builds (a call's
redaction window, a loaded model) stays in the worker between jobs, so work that needs the same
state must go to the same worker (`pick`). A worker that dies is replaced on the next job; the
job it was running fails with `WorkerLost` and its state is gone.

A worker process runs behind the server's event loop, so the loop answers RPCs first when the
CPUs are busy (`WorkerPriority`):

- `low` (the server's default): a higher nice value (`niceness`). The scheduler favours the
  loop, but a loop that wakes may wait for a worker's time slice to end (a few milliseconds).
- `idle` (Linux's `SCHED_IDLE`): the worker runs only on CPU time no ordinary thread wants, and
  a thread that wakes takes its CPU at once. Within a container's CPU group that means the
  server's own threads; on a machine shared with other busy services, theirs too. At 1,000 live
  calls on 2 CPUs the `GetSummary` p99 was lower than with `low` in each of six one-minute pairs
  (by 1.1-2.1 times), but the one ten-minute run fell minutes behind: preempted at every wake of
  the loop, the workers may get less done (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import threading
import time
import zlib
from collections.abc import Callable, Sequence, Sized
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, TypeVar, get_args

__all__ = [
    "WORKER_NICENESS",
    "WORKER_PRIORITIES",
    "Worker",
    "WorkerLost",
    "WorkerPriority",
    "default_worker_count",
    "gather_more",
    "lower_priority",
    "pick",
]

T = TypeVar("T")

# Redaction and summaries yield the CPU to the event loop (RPCs); the history's embedding
# (`embedding_worker`) yields to them too.
WORKER_NICENESS = 5

WorkerPriority = Literal["idle", "low"]  # see the module docstring
WORKER_PRIORITIES: tuple[WorkerPriority, ...] = get_args(WorkerPriority)


class WorkerLost(RuntimeError):
    """The worker process died while running a job (its state is lost)."""


def default_worker_count(*, reserved: int = 1) -> int:
    """One worker per CPU this process may use, less `reserved` CPUs for the server's own work
    (the event loop, the store, and above all embedding when it runs here); at least one.
    Fewer workers also means larger batches, which cost less each."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, cpus - reserved)


async def gather_more(waiting: Sized, wake: asyncio.Event, at_least: int, timeout: float) -> None:
    """Wait up to `timeout` seconds, woken by `wake`, until `waiting` holds `at_least` items: a
    batch costs less each item than single jobs."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while len(waiting) < at_least:
                await wake.wait()
                wake.clear()


def pick(key: str, count: int) -> int:
    """The worker (of `count`) that owns `key`: the same one for the life of the process."""
    return zlib.crc32(key.encode()) % count


def lower_priority(niceness: int) -> None:
    """Lower the calling thread's CPU priority by `niceness` (Linux: a thread's own nice value),
    so throughput work yields the CPU to the event loop that answers RPCs."""
    with contextlib.suppress(OSError, AttributeError):
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), current + niceness)


def _run_behind(priority: WorkerPriority, niceness: int) -> None:
    """Put the calling thread (and the threads it starts later) behind the server's threads:
    `SCHED_IDLE` for `idle` where the system has it, else `niceness` (see the module docstring).
    Only for a process of its own: a thread of the server that sits idle-scheduled while it holds
    the GIL would hold up the event loop."""
    if priority == "idle":
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return
        except (AttributeError, OSError):  # not on Linux: what `low` does
            pass
    lower_priority(niceness)


def _name_process(name: str) -> None:
    """Show the worker under its own name (Linux: the name `top` and `ps -o comm` print, at most
    15 bytes), so an operator sees which worker takes the CPU."""
    with contextlib.suppress(OSError), open("/proc/self/comm", "w") as comm:
        comm.write(name.encode()[:15].decode(errors="ignore"))


def _start_process(
    name: str,
    parent: int,
    priority: WorkerPriority,
    niceness: int,
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
) -> None:
    """A worker process's first step: take its name, exit when the server process is gone (its
    queues would otherwise keep an orphan waiting forever), run behind the server, then the
    job's own initializer."""
    _name_process(name)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    _run_behind(priority, niceness)
    if initializer is not None:
        initializer(*initargs)
    # What the initializer loaded (a model, its tables) lives as long as the process: out of the
    # cyclic collector's full passes, which otherwise take 0.1-0.2 s each in a redaction worker
    # and hold up every segment of its batch.
    gc.collect()
    gc.freeze()


class Worker:
    """One process that runs jobs one at a time (see the module docstring)."""

    def __init__(
        self,
        name: str,
        *,
        initializer: Callable[..., None] | None = None,
        initargs: Sequence[Any] = (),
        in_process: bool = False,
        priority: WorkerPriority = "low",
        niceness: int = 0,
    ) -> None:
        self.name = name
        self._priority: WorkerPriority = priority
        self._niceness = niceness
        self._initializer = initializer
        self._initargs = tuple(initargs)
        self._in_process = in_process
        self._executor: Executor | None = None
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        """The worker's process id (None in-process, or before the first job)."""
        if isinstance(self._executor, ProcessPoolExecutor):
            processes = list(self._executor._processes.values())
            return processes[0].pid if processes else None
        return None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in the worker; raises `WorkerLost` if the process dies meanwhile."""
        executor = self._executor or self._start()
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        except BrokenProcessPool as exc:
            if self._executor is executor:  # the next job gets a new process
                self._executor = None
                self.restarts += 1
                executor.shutdown(wait=False, cancel_futures=True)
            raise WorkerLost(f"worker {self.name} died") from exc

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _start(self) -> Executor:
        if self._in_process:
            self._executor = ThreadPoolExecutor(
                1,
                thread_name_prefix=self.name,
                initializer=self._initializer,
                initargs=self._initargs,
            )
        else:
            # A fresh interpreter, not a fork of this one (its threads, gRPC and locks).
            self._executor = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_process,
                initargs=(
                    self.name,
                    os.getpid(),
                    self._priority,
                    self._niceness,
                    self._initializer,
                    self._initargs,
                ),
            )
        return self._executor
