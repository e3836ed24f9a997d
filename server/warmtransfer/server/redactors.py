"""The redaction of the calls being transcribed, batched across calls, in worker processes.

The analyzer (spaCy's name model and the recognizers, ~1 s to load) lives in each worker
(`workers.Worker`), and so does each call's `CallRedactor`: every call belongs to one worker
(`workers.pick`), so its segments are redacted in order against its own window. Segments wait in
their worker's queue while it redacts the previous batch, then go together: the name model reads
the whole batch in one pass (`RedactionEngine.redact`), which costs about half as much per
segment as one at a time, and costs less the busier the server is.

The least recently used calls' state is dropped past `MAX_CALLS` per worker (segments that
arrive after a call ends still find theirs); after a server restart, or a worker's death, a
call's next segments start a fresh window, and the segments already stored keep their
redaction. A batch whose worker died fails with UNAVAILABLE: nothing in it was acknowledged, and
the client re-sends it.

`backlog_seconds` (how long the oldest waiting segment has waited) tells the server when
redaction cannot keep up (see `overload`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeAlias

from warmtransfer.rag.redaction import (
    CallRedactor,
    RedactionEngine,
    RedactionRequest,
    RedactionStyle,
)
from warmtransfer.server.errors import Unavailable
from warmtransfer.server.workers import (
    WORKER_NICENESS,
    Worker,
    WorkerLost,
    WorkerPriority,
    default_worker_count,
    gather_more,
    pick,
)

__all__ = ["MAX_BATCH", "CallRedactors", "Revised", "retrieved"]

log = logging.getLogger(__name__)

MAX_CALLS = 20_000  # per worker
MAX_BATCH = 256  # segments per batch (the name model reads them in one pass)
# A batch smaller than MIN_BATCH waits up to GATHER_S for more: under load the name model costs
# ~1.6 ms a segment in batches of 16 or more, ~2.5 ms one at a time.
MIN_BATCH = 8
GATHER_S = 0.02

# What travels to a worker: (tenant, call, style, speaker, text, seq; None for an interim,
# `_END_CALL` to forget the call).
_Item: TypeAlias = tuple[str, str, RedactionStyle, str, str, int | None]
_END_CALL = -1
# (seq, redacted text) of a final segment and of the earlier segments it revised, itself last.
# (Plain tuples: they cross the process boundary cheaply.)
Revised: TypeAlias = list[tuple[int, str]]


class Redacted(NamedTuple):
    """A final segment's redaction: its revisions, and the seq up to which its call's segments
    can no longer be revised, as it stands after this segment (`CallRedactor.final_through`)."""

    revisions: Revised
    final_through: int


# A final segment's result, or an interim's redacted text.
_Result: TypeAlias = Redacted | str


class _WorkerState:
    """A worker's analyzer and its calls' redactors (one per process, or per in-process
    worker thread)."""

    def __init__(self) -> None:
        self.engine = RedactionEngine()
        self.calls: OrderedDict[tuple[str, str], CallRedactor] = OrderedDict()

    def redactor(self, tenant_id: str, call_id: str, style: RedactionStyle) -> CallRedactor:
        key = (tenant_id, call_id)
        redactor = self.calls.get(key)
        if redactor is None:
            redactor = self.engine.start_call(style=style)
            self.calls[key] = redactor
            if len(self.calls) > MAX_CALLS:
                self.calls.popitem(last=False)
        self.calls.move_to_end(key)
        return redactor

    def redact(self, items: list[_Item]) -> list[_Result]:
        """Each item's result, in order; a call's end forgets the call after what came before."""
        out: list[_Result] = []
        run: list[_Item] = []
        for item in items:
            tenant, call, *_, seq = item
            if seq != _END_CALL:
                run.append(item)
                continue
            out += self._redact(run)
            run = []
            self.calls.pop((tenant, call), None)
            out.append("")
        return out + self._redact(run)

    def _redact(self, items: list[_Item]) -> list[_Result]:
        if not items:
            return []
        requests = [
            RedactionRequest(self.redactor(tenant, call, style), speaker, text, seq)
            for tenant, call, style, speaker, text, seq in items
        ]
        return [
            result
            if isinstance(result, str)
            else Redacted([(r.seq, r.text) for r in result[0]], result[1])
            for result in self.engine.redact_settling(requests)
        ]


_STATE: _WorkerState | None = None


def _load() -> None:
    """A worker's initializer: load the analyzer before the first batch arrives."""
    global _STATE
    if _STATE is None:
        _STATE = _WorkerState()


def retrieved(future: asyncio.Future[Any]) -> None:
    """Mark a future's exception as seen (its reader may have gone away)."""
    if not future.cancelled():
        future.exception()


def _redact(items: list[_Item]) -> list[_Result]:
    _load()
    assert _STATE is not None
    return _STATE.redact(items)


@dataclass(slots=True)
class _Queue:
    """The segments waiting for one worker, and the task that feeds them to it."""

    worker: Worker
    waiting: list[tuple[_Item, asyncio.Future[_Result], float]] = field(default_factory=list)
    oldest_running: float | None = None  # when the oldest segment of the batch in work came
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class CallRedactors:
    """Redaction of live calls, in `workers` processes (0: one thread of this process)."""

    def __init__(
        self,
        *,
        style: RedactionStyle = "tag",
        workers: int | None = None,
        priority: WorkerPriority = "low",
    ) -> None:
        self._style: RedactionStyle = style
        count = default_worker_count() if workers is None else workers
        in_process = count == 0
        self._queues = [
            _Queue(
                Worker(
                    f"redaction-{i}",
                    initializer=_load,
                    in_process=in_process,
                    priority=priority,
                    niceness=WORKER_NICENESS,
                )
            )
            for i in range(max(count, 1))
        ]
        self.batches = 0
        self.redacted = 0

    @property
    def workers(self) -> list[Worker]:
        return [q.worker for q in self._queues]

    async def load(self) -> None:
        """Start the workers and wait until each has its analyzer loaded."""
        await asyncio.gather(*(q.worker.run(_redact, []) for q in self._queues))
        for queue in self._queues:
            queue.task = asyncio.create_task(self._feed(queue), name=queue.worker.name)

    async def close(self) -> None:
        for queue in self._queues:
            if queue.task is not None:
                queue.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await queue.task
            for _, future, _ in queue.waiting:
                if not future.done():
                    future.set_exception(Unavailable("the server is stopping"))
            queue.waiting.clear()
        await asyncio.gather(*(asyncio.to_thread(q.worker.close) for q in self._queues))

    def backlog_seconds(self) -> float:
        """How long the oldest segment still waiting for redaction has waited."""
        oldest = [
            q.oldest_running if q.oldest_running is not None else q.waiting[0][2]
            for q in self._queues
            if q.oldest_running is not None or q.waiting
        ]
        return time.monotonic() - min(oldest) if oldest else 0.0

    def waiting(self) -> int:
        return sum(len(q.waiting) for q in self._queues)

    def add(
        self, tenant_id: str, call_id: str, *, seq: int, speaker: str, text: str
    ) -> asyncio.Future[Redacted]:
        """Queue a final segment for redaction; the future gives (seq, redacted text) of it and
        of the earlier segments it completed, in seq order (the segment itself last), and how
        far the call's redaction is final. Segments of a call are redacted in the order
        queued."""
        return self._submit(tenant_id, call_id, speaker, text, seq)  # type: ignore[return-value]

    def end_call(self, tenant_id: str, call_id: str) -> None:
        """The call ended: its worker forgets it once the segments queued before are done, so a
        line that arrives late is redacted afresh and revises nothing said before."""
        self._submit(tenant_id, call_id, "", "", _END_CALL)

    async def preview(self, tenant_id: str, call_id: str, *, speaker: str, text: str) -> str:
        """The redacted text of an interim segment."""
        result = await self._submit(tenant_id, call_id, speaker, text, None)
        assert isinstance(result, str)
        return result

    def _submit(
        self, tenant_id: str, call_id: str, speaker: str, text: str, seq: int | None
    ) -> asyncio.Future[_Result]:
        queue = self._queues[pick(f"{tenant_id}/{call_id}", len(self._queues))]
        future: asyncio.Future[_Result] = asyncio.get_running_loop().create_future()
        future.add_done_callback(retrieved)  # a stream that ended early no longer awaits it
        item: _Item = (tenant_id, call_id, self._style, speaker, text, seq)
        queue.waiting.append((item, future, time.monotonic()))
        queue.wake.set()
        return future

    async def _feed(self, queue: _Queue) -> None:
        """Hand the worker everything waiting (up to `MAX_BATCH`) each time it is free."""
        while True:
            await queue.wake.wait()
            queue.wake.clear()
            while queue.waiting:
                await gather_more(queue.waiting, queue.wake, MIN_BATCH, GATHER_S)
                batch = queue.waiting[:MAX_BATCH]
                del queue.waiting[:MAX_BATCH]
                queue.oldest_running = batch[0][2]
                try:
                    results = await queue.worker.run(_redact, [item for item, _, _ in batch])
                except Exception as exc:
                    if not isinstance(exc, WorkerLost):
                        log.exception("redaction of %d segments failed", len(batch))
                    error = Unavailable(f"redaction failed ({exc}); re-send the segment")
                    for _, future, _ in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                finally:
                    queue.oldest_running = None
                self.batches += 1
                self.redacted += len(batch)
                for (_, future, _), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
