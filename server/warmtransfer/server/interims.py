"""Interim segments of one transcript stream, redacted and published beside its reader.

Interim hypotheses come several times a second per speaker (Deepgram's interim results) and each
replaces the last. Redacting them runs the full analyzer, so it happens here, off the reader that
stores and acknowledges finals: the newest interim of each speaker waits, one that a newer one (or
the speaker's final) replaced before its turn is never redacted, and acks never wait for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from warmtransfer.server.event_bus import EventBus
from warmtransfer.server.redactors import CallRedactors
from warmtransfer.v1 import transcript_pb2, transcript_service_pb2

__all__ = ["InterimPublisher"]

log = logging.getLogger(__name__)

CLOSE_WAIT_S = 2.0


class InterimPublisher:
    def __init__(
        self, redactors: CallRedactors, bus: EventBus, *, tenant_id: str, call_id: str
    ) -> None:
        self._redactors = redactors
        self._bus = bus
        self._tenant_id = tenant_id
        self._call_id = call_id
        self._latest: dict[str, transcript_pb2.TranscriptSegment] = {}
        self._task: asyncio.Task[None] | None = None

    def offer(self, segment: transcript_pb2.TranscriptSegment) -> None:
        """Publish this interim soon, unless a newer one of its speaker replaces it first."""
        self._latest.pop(segment.speaker_identity, None)  # keep arrival order across speakers
        self._latest[segment.speaker_identity] = segment
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name=f"interims-{self._call_id}")

    def final_arrived(self, speaker_identity: str) -> None:
        """The speaker's final segment supersedes the interim still waiting."""
        self._latest.pop(speaker_identity, None)

    async def close(self) -> None:
        """The stream ended: publish what waits (for at most `CLOSE_WAIT_S`), then stop."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._task), CLOSE_WAIT_S)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _drain(self) -> None:
        while self._latest:
            speaker = next(iter(self._latest))
            segment = self._latest.pop(speaker)
            try:
                text = await self._redactors.preview(
                    self._tenant_id, self._call_id, speaker=speaker, text=segment.text
                )
            except Exception:  # an interim is a preview: never let it break the stream
                log.exception("redacting an interim segment of call %s failed", self._call_id)
                continue
            shown = transcript_pb2.TranscriptSegment()
            shown.CopyFrom(segment)
            shown.text = text
            event = transcript_service_pb2.WatchCallResponse(
                call_id=self._call_id,
                segment_interim=transcript_service_pb2.SegmentInterim(segment=shown),
            )
            event.event_time.GetCurrentTime()
            self._bus.interim(self._call_id, event)
