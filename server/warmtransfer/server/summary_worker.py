"""The offline summarizer in a worker process, so the event loop only does I/O.

Every live call's summary is refreshed every couple of seconds: at 1,000 calls, about 500
updates a second. The offline summarizer's rules are plain Python and cost about a millisecond
an update; on the event loop they were a third of its work, and each batch of them held up the
RPCs behind it (`GetSummary` waited for the loop, not for its read). Here the updates waiting
are sent to one worker process together, a batch each time it is free, at the redaction
workers' lower priority.

The summarizer's memory of a call travels with each update (`Summary.state`), so any process can
run any call's update and nothing is lost when the worker dies: its batch is run again once, in
the process that replaces it, and then fails (the engine keeps the call pending for its next
segment).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from warmtransfer.pipeline.summary.model import Segment, SummarizerError, Summary
from warmtransfer.pipeline.summary.offline import OfflineSummarizer
from warmtransfer.server.workers import (
    WORKER_NICENESS,
    Worker,
    WorkerLost,
    WorkerPriority,
    gather_more,
)

__all__ = ["WorkerSummarizer"]

log = logging.getLogger(__name__)

MAX_BATCH = 64  # updates sent to the worker at once
# Fewer than MIN_BATCH waiting: wait up to GATHER_S for more (one round trip to the process
# costs about as much as a few updates; a summary a few milliseconds later costs nothing).
MIN_BATCH = 8
GATHER_S = 0.01

_Job = tuple[Summary | None, list[Segment]]

_SUMMARIZER = OfflineSummarizer()


def _summarize(jobs: list[_Job]) -> list[Summary | str]:
    """In the worker: each job's new summary, or the error that stopped it."""
    results: list[Summary | str] = []
    for previous, segments in jobs:
        try:
            results.append(_SUMMARIZER.summarize(previous, segments))
        except Exception as exc:  # one call's bad state must not fail the others' updates
            results.append(f"{type(exc).__name__}: {exc}")
    return results


class WorkerSummarizer:
    """`OfflineSummarizer`, run in a worker process (one update batch at a time)."""

    name = OfflineSummarizer.name

    def __init__(self, *, in_process: bool = False, priority: WorkerPriority = "low") -> None:
        self._worker = Worker(
            "summaries", in_process=in_process, priority=priority, niceness=WORKER_NICENESS
        )
        self._waiting: list[tuple[_Job, asyncio.Future[Summary]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.batches = 0

    @property
    def worker(self) -> Worker:
        return self._worker

    async def load(self) -> None:
        """Start the worker process, so the first update does not wait for it."""
        await self._worker.run(_summarize, [])

    async def update(self, previous: Summary | None, new_segments: Sequence[Segment]) -> Summary:
        if self._closed:
            raise SummarizerError("the summarizer is closed")
        if self._task is None:
            self._task = asyncio.create_task(self._feed(), name="summary-worker")
        future: asyncio.Future[Summary] = asyncio.get_running_loop().create_future()
        self._waiting.append(((previous, list(new_segments)), future))
        self._wake.set()
        return await future

    async def aclose(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for _, future in self._waiting:
            if not future.done():
                future.set_exception(SummarizerError("the summarizer is closed"))
        self._waiting.clear()
        await asyncio.to_thread(self._worker.close)

    async def _feed(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                await gather_more(self._waiting, self._wake, MIN_BATCH, GATHER_S)
                batch = self._waiting[:MAX_BATCH]
                del self._waiting[:MAX_BATCH]
                await self._run(batch)

    async def _run(self, batch: list[tuple[_Job, asyncio.Future[Summary]]]) -> None:
        jobs = [job for job, _ in batch]
        try:
            try:
                results = await self._worker.run(_summarize, jobs)
            except WorkerLost:  # once more, in the process that replaces it
                log.warning("summary worker died; running its %d updates again", len(jobs))
                results = await self._worker.run(_summarize, jobs)
        except Exception as exc:
            error = SummarizerError(f"summary worker failed: {exc}")
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        self.batches += 1
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # the refresh was cancelled (the engine is closing)
                continue
            if isinstance(result, str):
                future.set_exception(SummarizerError(result))
            else:
                future.set_result(result)
