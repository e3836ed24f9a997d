"""The rolling-summary engine: keeps every live call's summary fresh, in the background.

For each call with new final segments, one task waits until enough has been said (a few
segments, or a few seconds since the first unsummarized one, whichever comes first), then asks
the summarizer for `previous summary + new segments` and stores the result. Segments that
arrive while an update runs are taken together by the next one (coalescing), so a slow
summarizer falls behind by batches, never by a queue of work. Nothing here runs on the ingest
path: `segment_stored` only counts and wakes. A call with nothing pending holds no task and no
memory.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import Generic, Protocol, TypeVar

from warmtransfer.pipeline.summary.model import Segment, Summarizer, Summary

__all__ = ["RollingSummaryEngine", "SummaryStorage"]

log = logging.getLogger(__name__)
K = TypeVar("K", bound=Hashable)
K_contra = TypeVar("K_contra", bound=Hashable, contravariant=True)


class SummaryStorage(Protocol[K_contra]):
    """Where the engine reads segments and keeps summaries; `key` identifies a call."""

    async def load_summary(self, key: K_contra) -> Summary | None:
        """The call's latest summary, or None before the first."""
        ...

    async def segments_after(self, key: K_contra, after_seq: int, limit: int) -> list[Segment]:
        """Redacted final segments with a seq above `after_seq`, in seq order."""
        ...

    async def save_summary(self, key: K_contra, summary: Summary) -> None:
        """Store a summary that covers more than the previous one."""
        ...


@dataclass(slots=True)
class _Pending:
    count: int = 0
    since: float | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    urgent: bool = False
    task: asyncio.Task[None] | None = None
    idle: asyncio.Event = field(default_factory=asyncio.Event)


class RollingSummaryEngine(Generic[K]):
    """Debounced, incremental, coalescing summary refresh for many calls at once."""

    def __init__(
        self,
        summarizer: Summarizer,
        storage: SummaryStorage[K],
        *,
        every_segments: int = 3,
        every_seconds: float = 2.0,
        max_batch: int = 200,
    ) -> None:
        self.summarizer = summarizer
        self._storage = storage
        self._every_segments = every_segments
        self._every_seconds = every_seconds
        self._max_batch = max_batch
        self._calls: dict[K, _Pending] = {}
        self._finals: dict[K, asyncio.Task[None]] = {}
        self._closed = False
        self.updates = 0
        self.failures = 0

    @property
    def active_calls(self) -> int:
        """Calls with a refresh pending or running."""
        return len(self._calls)

    def segment_stored(self, key: K, count: int = 1) -> None:
        """Note that `count` new final segments of a call are stored. Never blocks."""
        if self._closed:
            return
        pending = self._pending(key)
        pending.count += count
        if pending.since is None:
            pending.since = time.monotonic()
        if pending.count >= self._every_segments:
            pending.wake.set()

    async def flush(self, key: K, *, timeout: float | None = None) -> bool:
        """Refresh the call's summary now and wait until it covers every stored segment.

        Returns False if that did not happen within `timeout` seconds.
        """
        pending = self._pending(key)
        pending.count += 1  # whatever is stored, even if this engine never heard of it
        pending.since = pending.since or time.monotonic()
        pending.urgent = True
        pending.wake.set()
        try:
            await asyncio.wait_for(pending.idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def finalize(self, key: K, *, max_segments: int = 50_000) -> asyncio.Task[None]:
        """Write the call's final summary in the background: the whole call, read afresh in the
        largest batches the summarizer takes (an LLM sees far more at once than in the rolling
        updates), saved with `final` set. If that fails, the rolling summary stays."""
        task = self._finals.get(key)
        if task is None:
            task = asyncio.create_task(self._finalize(key, max_segments), name=f"final-{key}")
            self._finals[key] = task
            task.add_done_callback(lambda _: self._finals.pop(key, None))
        return task

    async def _finalize(self, key: K, max_segments: int) -> None:
        pending = self._calls.get(key)
        if pending is not None:  # the last rolling refresh first
            pending.urgent = True
            pending.wake.set()
            await pending.idle.wait()
        try:
            segments = await self._storage.segments_after(key, 0, max_segments)
            if not segments:
                return
            summary = await self.summarizer.update(None, segments)
            await self._storage.save_summary(key, replace(summary, final=True))
        except Exception:
            self.failures += 1
            log.exception("final summary failed for call %s", key)

    async def close(self) -> None:
        """Finish the refreshes that are due and stop. Final summaries still being written are
        abandoned: the storage knows which calls lack one, and they are redone at start-up."""
        self._closed = True
        for task in self._finals.values():
            task.cancel()
        for pending in list(self._calls.values()):
            pending.urgent = True
            pending.wake.set()
        tasks = [p.task for p in self._calls.values() if p.task is not None]
        await asyncio.gather(*tasks, *self._finals.values(), return_exceptions=True)
        close = getattr(self.summarizer, "aclose", None)
        if close is not None:  # an LLM's HTTP client
            await close()

    def _pending(self, key: K) -> _Pending:
        pending = self._calls.get(key)
        if pending is None:
            pending = self._calls[key] = _Pending()
            pending.task = asyncio.create_task(self._run(key, pending), name=f"summary-{key}")
        return pending

    async def _run(self, key: K, pending: _Pending) -> None:
        try:
            while True:
                await self._debounce(pending)
                pending.count, pending.since, pending.urgent = 0, None, False
                pending.wake.clear()
                try:
                    await self._refresh(key)
                except Exception:
                    self.failures += 1
                    log.exception("summary refresh failed for call %s", key)
                if pending.count == 0:
                    return
        finally:
            del self._calls[key]
            pending.idle.set()

    async def _debounce(self, pending: _Pending) -> None:
        while not pending.urgent and pending.count < self._every_segments:
            assert pending.since is not None
            left = pending.since + self._every_seconds - time.monotonic()
            if left <= 0:
                return
            pending.wake.clear()
            try:  # asyncio.timeout: 3.11's wait_for can swallow a cancel as the wake fires
                async with asyncio.timeout(left):
                    await pending.wake.wait()
            except TimeoutError:
                return

    async def _refresh(self, key: K) -> None:
        summary = await self._storage.load_summary(key)
        while True:
            after = summary.covered_through_seq if summary else 0
            segments: Sequence[Segment] = await self._storage.segments_after(
                key, after, self._max_batch
            )
            if not segments:
                return
            summary = await self.summarizer.update(summary, segments)
            await self._storage.save_summary(key, summary)
            self.updates += 1
            if len(segments) < self._max_batch:
                return
