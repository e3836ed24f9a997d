"""`TranscriptStreamer`: feed one call's segments into `StreamTranscript` without losing any.

Every final segment is kept until the server acknowledges it (an ack means it is durably
stored). When the stream breaks (the server restarts, the network drops) the streamer reconnects
with backoff and re-sends every unacknowledged segment, in seq order, before any new one; the
server's idempotency on (call_id, seq) makes a re-send of a segment it already stored harmless.
Interim segments are sent only while connected and never re-sent: a later final replaces them.

    streamer = TranscriptStreamer(client, call_id)
    streamer.start()
    streamer.send(TranscriptSegment(seq=1, ..., is_final=True))
    await streamer.aclose()          # waits (bounded) until everything sent is acknowledged

What cannot be retried ends the streamer: the call is unknown or not this key's
(NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED). A segment the server rejects as invalid
(INVALID_ARGUMENT, RESOURCE_EXHAUSTED) is dropped and logged, and the others go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable

import grpc

from warmtransfer.client.aio import Client
from warmtransfer.v1 import transcript_pb2, transcript_service_pb2

__all__ = ["TranscriptStreamer", "stream_transcript"]

log = logging.getLogger(__name__)

FATAL = frozenset(
    {
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.UNAUTHENTICATED,
    }
)
"""Codes after which re-sending cannot help: the streamer stops."""

REJECTED = frozenset({grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED})
"""Codes that condemn one segment (the oldest unacknowledged): it is dropped, the rest go on."""

_END = object()


class TranscriptStreamer:
    """Streams one call's transcript segments, re-sending the unacknowledged after reconnects."""

    def __init__(
        self,
        client: Client,
        call_id: str,
        *,
        min_backoff: float = 0.2,
        max_backoff: float = 2.0,
        on_ack: Callable[[int, bool], None] | None = None,
    ) -> None:
        """Args:
        client: the authenticated client to stream through.
        call_id: the call every segment belongs to.
        min_backoff, max_backoff: reconnect delays (doubling from min to max) in seconds.
        on_ack: called with (seq, duplicate) for every acknowledgement.
        """
        self._client = client
        self._call_id = call_id
        self._min_backoff, self._max_backoff = min_backoff, max_backoff
        self._on_ack = on_ack
        self._pending: dict[int, transcript_pb2.TranscriptSegment] = {}
        self._outbox: asyncio.Queue[object] | None = None  # the connected session's, if any
        self._closing = asyncio.Event()
        self._settled = asyncio.Event()  # nothing pending
        self._settled.set()
        self._task: asyncio.Task[None] | None = None
        self.error: grpc.aio.AioRpcError | None = None
        """The status that stopped the streamer for good, if one did."""
        self.dropped: list[int] = []
        """Seqs of segments the server rejected (and that were therefore not stored)."""
        self.reconnects = 0

    @property
    def unacknowledged(self) -> int:
        """Final segments sent (or queued) and not yet acknowledged."""
        return len(self._pending)

    def start(self) -> None:
        """Connect in the background (and keep reconnecting until closed)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"transcript-{self._call_id}")

    def send(self, segment: transcript_pb2.TranscriptSegment) -> None:
        """Queue a segment; a final one is kept until acknowledged. Never blocks."""
        if self._closing.is_set() or self.error is not None:
            raise RuntimeError(f"the transcript stream of call {self._call_id} is closed")
        if segment.is_final:
            self._pending[segment.seq] = segment
            self._settled.clear()
        if self._outbox is not None:
            self._outbox.put_nowait(segment)

    async def wait_acknowledged(self, timeout: float | None = None) -> bool:
        """Wait until every final segment sent so far is acknowledged; False on timeout."""
        try:
            async with asyncio.timeout(timeout):
                await self._settled.wait()
        except TimeoutError:
            return False
        return True

    async def aclose(self, timeout: float = 10.0) -> int:
        """Stop taking segments, wait up to `timeout` for the pending ones to be acknowledged,
        then disconnect. Returns how many final segments were left unacknowledged."""
        self._closing.set()
        if self._outbox is not None and not self._pending:
            self._outbox.put_nowait(_END)
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=timeout)
            if not done:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        if self._pending:
            log.warning(
                "call %s: %d transcript segments left unacknowledged (seqs %s...)",
                self._call_id,
                len(self._pending),
                sorted(self._pending)[:5],
            )
        return len(self._pending)

    async def _run(self) -> None:
        backoff = self._min_backoff
        while True:
            if self._closing.is_set() and not self._pending:
                return
            try:
                await self._session()
                backoff = self._min_backoff
                continue
            except grpc.aio.AioRpcError as exc:
                code = exc.code()
                if code in FATAL:
                    log.error(
                        "call %s: transcript stream refused: %s", self._call_id, exc.details()
                    )
                    self.error = exc
                    self._settled.set()
                    return
                if code in REJECTED and self._pending:
                    seq = min(self._pending)
                    log.error(
                        "call %s: segment %d rejected, dropped: %s",
                        self._call_id,
                        seq,
                        exc.details(),
                    )
                    self._acked(seq, duplicate=False, dropped=True)
                    continue
                log.info("call %s: transcript stream broke (%s), reconnecting", self._call_id, code)
            self.reconnects += 1
            with contextlib.suppress(TimeoutError):
                # Closing does not cut the wait short: pending segments still need a server.
                await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)

    async def _session(self) -> None:
        outbox: asyncio.Queue[object] = asyncio.Queue()
        outbox.put_nowait(
            transcript_service_pb2.StreamTranscriptRequest(
                config=transcript_service_pb2.StreamTranscriptConfig(call_id=self._call_id)
            )
        )
        for seq in sorted(self._pending):  # re-sends first, in order
            outbox.put_nowait(self._pending[seq])
        if self._closing.is_set() and not self._pending:
            outbox.put_nowait(_END)
        self._outbox = outbox
        try:
            call = self._client.transcripts.StreamTranscript(_requests(outbox))
            async for response in call:
                self._acked(response.acked_seq, response.duplicate)
                if self._closing.is_set() and not self._pending:
                    outbox.put_nowait(_END)
        finally:
            self._outbox = None

    def _acked(self, seq: int, duplicate: bool, *, dropped: bool = False) -> None:
        if self._pending.pop(seq, None) is not None:
            if dropped:
                self.dropped.append(seq)
            elif self._on_ack is not None:
                self._on_ack(seq, duplicate)
        if not self._pending:
            self._settled.set()


async def _requests(
    outbox: asyncio.Queue[object],
) -> AsyncIterator[transcript_service_pb2.StreamTranscriptRequest]:
    while True:
        item = await outbox.get()
        if item is _END:
            return
        if isinstance(item, transcript_pb2.TranscriptSegment):
            yield transcript_service_pb2.StreamTranscriptRequest(segment=item)
        else:
            assert isinstance(item, transcript_service_pb2.StreamTranscriptRequest)
            yield item


async def stream_transcript(
    client: Client,
    call_id: str,
    segments: Iterable[transcript_pb2.TranscriptSegment],
    *,
    timeout: float = 60.0,
) -> int:
    """Send `segments` (re-sending across reconnects) and wait up to `timeout` for every final
    one to be acknowledged. Returns how many were left unacknowledged: 0 when all are stored."""
    streamer = TranscriptStreamer(client, call_id)
    streamer.start()
    for segment in segments:
        streamer.send(segment)
    return await streamer.aclose(timeout)
