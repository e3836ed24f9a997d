"""The media worker's load: what its running job processes cost in CPU over a window, or the
worker's memory, whichever is the larger share. The arithmetic on given samples, then the
sampling of real processes (a busy one and an idle one). A worker that reads full and LiveKit
dispatching elsewhere: tests/server/test_media_worker.py."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterable, Iterator

import pytest

from warmtransfer.pipeline.worker.load import JobsLoad, Sample, sample_processes

GIB = 1 << 30


class Samples:
    """Given CPU seconds per job process and memory, and a clock a test moves."""

    def __init__(self) -> None:
        self.now = 0.0
        self.cpu: dict[int, float] = {}
        self.memory = GIB
        self.available = 15 * GIB
        self.asked: list[list[int]] = []

    def clock(self) -> float:
        return self.now

    def sample(self, pids: Iterable[int]) -> Sample:
        pids = list(pids)
        self.asked.append(pids)
        return Sample({p: self.cpu[p] for p in pids if p in self.cpu}, self.memory, self.available)

    def load(self, cores: int = 2, window_s: float = 5.0) -> JobsLoad:
        return JobsLoad(window_s=window_s, cores=cores, sample=self.sample, clock=self.clock)


def test_the_cpu_share_is_what_the_job_processes_used_over_the_window() -> None:
    given = Samples()
    load = given.load()
    given.cpu = {10: 3.0, 11: 7.0}
    assert load.load([10, 11]) == pytest.approx(1 / 16)  # no CPU history yet: memory only
    given.now, given.cpu = 2.0, {10: 4.0, 11: 8.0}  # each used half a core
    assert load.load([10, 11]) == pytest.approx(0.5)
    assert load.cpu_share == pytest.approx(0.5)
    given.now, given.cpu = 4.0, {10: 4.0, 11: 8.0}  # idle for 2 s: averaged over 4 s
    assert load.cpu_share == pytest.approx(0.5) and load.load([10, 11]) == pytest.approx(0.25)


def test_what_is_older_than_the_window_is_forgotten() -> None:
    given = Samples()
    load = given.load(cores=1, window_s=5.0)
    given.cpu = {10: 0.0}
    for second in range(1, 20):  # busy for 9 s, then idle
        given.now = float(second)
        given.cpu = {10: float(min(second, 9))}
        load.load([10])
    assert load.cpu_share < 0.25


def test_a_process_no_longer_running_a_job_stops_counting() -> None:
    given = Samples()
    load = given.load(cores=1)
    given.cpu = {10: 0.0, 11: 0.0}
    load.load([10, 11])
    given.now, given.cpu = 1.0, {10: 0.5, 11: 0.5}
    assert load.load([10, 11]) == pytest.approx(1.0)
    given.now, given.cpu = 2.0, {10: 1.0, 11: 1.0}
    assert load.load([10]) == pytest.approx(0.5)  # 11 went back to the idle pool (or ended)


def test_memory_counts_when_it_is_the_larger_share_and_the_load_is_capped() -> None:
    given = Samples()
    load = given.load(cores=1)
    given.memory, given.available = 3 * GIB, GIB
    assert load.load([]) == pytest.approx(0.75)
    given.cpu = {10: 0.0}
    load.load([10])
    given.now, given.cpu = 1.0, {10: 2.0}  # more than a core: a process's threads
    assert load.load([10]) == 1.0


@pytest.fixture
def processes() -> Iterator[tuple[int, int]]:
    """A process spinning on the CPU and one sleeping: (busy pid, idle pid). The sleeping one
    has started when this returns, so its interpreter's start-up is not sampled as load."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    idle = subprocess.Popen(
        [sys.executable, "-c", "import time; print('asleep', flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert idle.stdout is not None and idle.stdout.readline() == "asleep\n"
        yield busy.pid, idle.pid
    finally:
        for process in (busy, idle):
            process.kill()
            process.wait()
        if idle.stdout is not None:
            idle.stdout.close()


async def test_real_processes_are_sampled_and_a_busy_one_reads_as_load(
    processes: tuple[int, int],
) -> None:
    busy, idle = processes
    sample = sample_processes([busy, idle, 2**22 + 1])  # the last is no process: left out
    assert set(sample.job_cpu_seconds) == {busy, idle}
    assert sample.memory_bytes > 0 and sample.available_bytes > 0
    busy_load, idle_load = JobsLoad(window_s=1.0, cores=1), JobsLoad(window_s=1.0, cores=1)
    async with asyncio.timeout(60):
        while True:  # sampled as LiveKit's worker does, every half second
            busy_load.load([busy])
            idle_load.load([idle])
            # The busy process gets at least a fifth of a core on a shared machine.
            if busy_load.cpu_share >= 0.2:
                break
            await asyncio.sleep(0.5)
    assert idle_load.cpu_share < 0.05
