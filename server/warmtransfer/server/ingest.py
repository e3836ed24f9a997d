"""The ingest path of one transcript stream: validate → redact → store → ack → fan out →
schedule the summary and the history index.

Three stages run at once, joined by bounded queues, so a stream's segments overlap (one is
redacted while the previous one commits) and each stage keeps its order:

1. **read** (`_read`): each request is checked (`validation.check_segment`); an interim goes to
   the `InterimPublisher` (redacted and shown to watchers, never stored); a final segment is
   queued for redaction (`CallRedactors.add`, batched with other calls' segments in a worker
   process). At most `MAX_IN_FLIGHT` segments of a stream are between reading and acknowledging:
   past that, reading waits, and gRPC's flow control slows the client.
2. **store** (`_store`): once a segment's redaction is back, it is queued to the store
   (`CallStore.append_segment`, group-committed with every other stream's writes) with the
   revisions of earlier segments it completed and how far the redactor can no longer revise
   (the call's settled mark: summaries read only segments no later one can revise). Events
   are appended in the same transaction, and the commit wakes `WatchCall` watchers (the
   fan-out).
3. **ack** (`IngestStream.acks`): each segment is acknowledged once its transaction committed,
   in order; then, if this replica owns the call (see `ownership`), the summary engine and the
   indexer are told the call has a new segment (both only count and wake: their work runs off
   this path).

An error in any stage (a bad request, a redaction worker that died, a store limit) ends the
stream with that status after acknowledging everything committed before it; what the client
already sent is read and discarded for up to `DRAIN_SECONDS`, so it sees the status rather than a
failed write. Nothing unacknowledged is stored twice when re-sent: the store is idempotent on
`(call_id, seq)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, TypeAlias

from warmtransfer.server.errors import InvalidArgument, Unavailable, WarmTransferError
from warmtransfer.server.interims import InterimPublisher
from warmtransfer.server.redactors import Redacted, retrieved
from warmtransfer.server.servicers.deps import Deps
from warmtransfer.server.store import AppendResult
from warmtransfer.server.store.group_commit import StoreClosed
from warmtransfer.server.summary_storage import CallRef
from warmtransfer.server.validation import check_segment
from warmtransfer.v1 import transcript_pb2, transcript_service_pb2

__all__ = ["DRAIN_SECONDS", "MAX_IN_FLIGHT", "IngestStream", "drain"]

log = logging.getLogger(__name__)

# Segments read from one stream and not yet acknowledged; past this, reading waits (backpressure).
MAX_IN_FLIGHT = 256
# After an error, how long the server keeps reading (and discarding) what the client already sent,
# so that the client's pending writes complete and it sees the real status.
DRAIN_SECONDS = 2.0

_END = None  # a stage is done: nothing more follows
_Redacting: TypeAlias = tuple[transcript_pb2.TranscriptSegment, asyncio.Future[Redacted]]
_Stage1: TypeAlias = _Redacting | WarmTransferError | None
# A commit under way.
_Storing: TypeAlias = asyncio.Future[AppendResult]
_Stage2: TypeAlias = _Storing | WarmTransferError | None


class IngestStream:
    """One StreamTranscript stream of a call, after its config message (see the module doc)."""

    def __init__(
        self,
        deps: Deps,
        tenant_id: str,
        call_id: str,
        requests: AsyncIterator[transcript_service_pb2.StreamTranscriptRequest],
    ) -> None:
        self._deps = deps
        self._ref = CallRef(tenant_id, call_id)
        self._requests = requests
        self._keep_original = deps.config.keeps_original(tenant_id)
        # Both queues together hold at most MAX_IN_FLIGHT segments of this stream.
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._redacting: asyncio.Queue[_Stage1] = asyncio.Queue()
        self._storing: asyncio.Queue[_Stage2] = asyncio.Queue()
        self._failed = asyncio.Event()
        self._claimed = False
        self._interims = InterimPublisher(
            deps.redactors, deps.bus, tenant_id=tenant_id, call_id=call_id
        )

    async def acks(self) -> AsyncIterator[transcript_service_pb2.StreamTranscriptResponse]:
        """The stream's acknowledgements, in order; raises the first error of any stage."""
        reader = asyncio.create_task(self._read(), name=f"ingest-read-{self._ref.call_id}")
        storer = asyncio.create_task(self._store(), name=f"ingest-store-{self._ref.call_id}")
        try:
            while True:
                item = await self._storing.get()
                if item is _END:
                    break
                try:
                    if isinstance(item, WarmTransferError):
                        raise item
                    stored = item
                    result = await stored
                except WarmTransferError:
                    # Stop storing, but let the reader drain what the client already sent, so
                    # the client sees this status rather than a failed write.
                    self._failed.set()
                    await asyncio.wait({reader}, timeout=DRAIN_SECONDS)
                    raise
                self._in_flight.release()
                if not result.duplicate and self._owned():
                    self._stored(self._ref)
                yield transcript_service_pb2.StreamTranscriptResponse(
                    acked_seq=result.seq, duplicate=result.duplicate
                )
            await reader  # surfaces a reader crash
        finally:
            for task in (reader, storer):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self._interims.close()

    def _owned(self) -> bool:
        """Whether this replica runs the call's summary and index. The stream claimed the call
        when it opened; if that claim could not be made (the store away) or was lost since, the
        stream's first stored segment claims it in the background, unless a living replica owns
        it (which the event relay tells of the segments stored here); if the claim is granted,
        the call's work catches up on what was stored meanwhile."""
        ownership = self._deps.ownership
        if ownership.owns(self._ref.call_id):
            return True
        if not self._claimed:
            self._claimed = True
            ownership.claim_in_background(self._ref, self._stored)
        return False

    def _stored(self, ref: CallRef) -> None:
        """New segments of an owned call: its summary and index follow."""
        self._deps.engine.segment_stored(ref)
        self._deps.indexer.call_changed(ref)

    async def _read(self) -> None:
        ended: _Stage1 = _END
        try:
            async for request in self._requests:
                if self._failed.is_set():
                    continue  # draining after an error
                try:
                    segment = self._segment(request)
                except WarmTransferError as exc:
                    await self._redacting.put(exc)
                    self._failed.set()
                    continue
                if not segment.is_final:
                    self._interims.offer(segment)
                    continue
                self._interims.final_arrived(segment.speaker_identity)
                await self._in_flight.acquire()
                redaction = self._deps.redactors.add(
                    self._ref.tenant_id,
                    self._ref.call_id,
                    seq=segment.seq,
                    speaker=segment.speaker_identity,
                    text=segment.text,
                )
                await self._redacting.put((segment, redaction))
        except WarmTransferError as exc:  # a request the server could not decode
            ended = exc
            self._failed.set()
        finally:  # whatever ends the reading, the later stages learn that nothing follows
            self._redacting.put_nowait(ended)

    def _segment(
        self, request: transcript_service_pb2.StreamTranscriptRequest
    ) -> transcript_pb2.TranscriptSegment:
        kind = request.WhichOneof("request")
        if kind != "segment":
            raise InvalidArgument(
                "config" if kind == "config" else "request",
                "only the first message may carry config; later ones carry a segment",
            )
        check_segment(request.segment, self._deps.config.limits)
        return request.segment

    async def _store(self) -> None:
        deps, ref = self._deps, self._ref
        while True:
            item = await self._redacting.get()
            if item is _END or isinstance(item, WarmTransferError):
                await self._storing.put(item)
                return
            segment, redaction = item
            try:
                redacted = await redaction
                revisions = redacted.revisions
                stored = deps.store.append_segment(
                    ref.tenant_id,
                    ref.call_id,
                    segment,
                    revisions[-1][1],
                    keep_original=self._keep_original,
                    revisions=revisions[:-1],
                    settled_through=redacted.final_through,
                )
            except WarmTransferError as exc:
                await self._storing.put(exc)
                return
            except StoreClosed:
                await self._storing.put(Unavailable("the server is stopping; re-send"))
                return
            stored.add_done_callback(retrieved)  # a stream that ended early no longer awaits it
            await self._storing.put(stored)


async def drain(requests: AsyncIterator[Any]) -> None:
    """Read and discard what the client sends for up to `DRAIN_SECONDS`."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(DRAIN_SECONDS):
            async for _ in requests:
                pass
