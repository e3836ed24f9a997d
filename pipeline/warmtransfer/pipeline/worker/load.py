"""The worker's load as LiveKit reads it: what its running jobs really cost.

Each job (a call's transcription, a transfer's briefing) runs in a process of its own, and the
models they share run in the worker's inference process (`shared_models`). The load is the
larger of two shares:
- **CPU:** the CPU time of the processes running a job and of the inference process over the
  last few seconds, as a share of the machine's cores. A call transcribed offline costs about
  half a core, one transcribed by a provider a few percent, and the load follows either.
- **Memory:** the memory of the worker and all its processes (the idle ones kept warm included),
  as a share of that plus what the machine still has available.

Processes kept warm but not running a job do not count towards the CPU share: loading their
models is a burst that says nothing about the calls, and counting it made a small machine read
as full while it started its pool. At `WARMTRANSFER_WORKER_LOAD_THRESHOLD` (config) the worker
reports itself full, and LiveKit dispatches new jobs to another worker.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psutil

__all__ = ["JobsLoad", "Sample", "sample_processes"]

WINDOW_S = 5.0


@dataclass(frozen=True, slots=True)
class Sample:
    """What the processes cost at one moment."""

    job_cpu_seconds: dict[int, float]
    """CPU time used so far by each process running a job, by pid."""
    memory_bytes: int
    """Resident memory of the worker and all its processes."""
    available_bytes: int
    """Memory the machine still has available."""


def _rss(process: psutil.Process) -> int:
    try:
        return int(process.memory_info().rss)
    except psutil.Error:
        return 0


def sample_processes(job_pids: Iterable[int]) -> Sample:
    """Sample this (the worker's) process, its children, and the given job processes."""
    me = psutil.Process()
    memory = _rss(me) + sum(_rss(child) for child in me.children(recursive=True))
    cpu: dict[int, float] = {}
    for pid in job_pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue  # it has just ended
        cpu[pid] = times.user + times.system
    return Sample(cpu, memory, int(psutil.virtual_memory().available))


class JobsLoad:
    """`load(job_pids)`: 0.0 (idle) to 1.0 (full), the larger of the jobs' CPU share over
    `window_s` and the worker's memory share (see the module)."""

    def __init__(
        self,
        *,
        window_s: float = WINDOW_S,
        cores: int | None = None,
        sample: Callable[[Iterable[int]], Sample] = sample_processes,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window_s = window_s
        self._cores = cores or os.cpu_count() or 1
        self._sample = sample
        self._clock = clock
        # pid -> (time, CPU seconds) samples within the window, oldest first
        self._history: dict[int, collections.deque[tuple[float, float]]] = {}
        self._lock = threading.Lock()  # LiveKit's worker calls it from an executor thread
        self.cpu_share = 0.0
        self.memory_share = 0.0

    def load(self, job_pids: Iterable[int]) -> float:
        with self._lock:
            now = self._clock()
            sample = self._sample(list(job_pids))
            used = 0.0  # cores, summed over the job processes
            for pid in list(self._history):
                if pid not in sample.job_cpu_seconds:
                    del self._history[pid]  # ended, or back to idle
            for pid, seconds in sample.job_cpu_seconds.items():
                history = self._history.setdefault(pid, collections.deque())
                history.append((now, seconds))
                while len(history) > 2 and now - history[1][0] >= self._window_s:
                    history.popleft()
                then, seconds_then = history[0]
                if now > then:
                    used += max(0.0, seconds - seconds_then) / (now - then)
            self.cpu_share = min(1.0, used / self._cores)
            total = sample.memory_bytes + sample.available_bytes
            self.memory_share = min(1.0, sample.memory_bytes / total) if total else 0.0
            return max(self.cpu_share, self.memory_share)
