"""TranscriptService: streaming ingest with durable acks (`ingest`), the stored transcript, and
WatchCall."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from warmtransfer.server.auth import current_principal, require_call
from warmtransfer.server.errors import (
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
    Unavailable,
    WarmTransferError,
)
from warmtransfer.server.event_bus import CLOSED, WAKE
from warmtransfer.server.forwarding import forwarded_acks
from warmtransfer.server.ingest import IngestStream, drain
from warmtransfer.server.servicers.deps import Deps
from warmtransfer.server.summary_storage import CallRef
from warmtransfer.server.validation import check_call_id, parse_cursor
from warmtransfer.v1 import (
    call_pb2,
    transcript_pb2,
    transcript_service_pb2,
    transcript_service_pb2_grpc,
)

__all__ = ["TranscriptServicer"]

log = logging.getLogger(__name__)

MAX_PAGE = 10_000
EVENT_BATCH = 500
# After a call ends, how long a watch stays open for the final summary (written in the
# background from the whole call; an LLM takes a while).
FINAL_SUMMARY_WAIT_S = 120.0


class TranscriptServicer(transcript_service_pb2_grpc.TranscriptServiceServicer):  # type: ignore[misc]
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def StreamTranscript(
        self,
        request_iterator: AsyncIterator[transcript_service_pb2.StreamTranscriptRequest],
        context: Any,
    ) -> AsyncIterator[transcript_service_pb2.StreamTranscriptResponse]:
        tenant = current_principal().tenant_id
        requests = aiter(request_iterator)
        try:
            opened = await self._open(tenant, requests)
        except WarmTransferError:
            await drain(requests)
            raise
        if opened is None:
            return
        call_id, config = opened
        # The media worker's stream (its call-scoped token): EndCall waits for its end.
        worker = current_principal().call_id == call_id
        async with self._deps.open_streams.opened(call_id) if worker else contextlib.nullcontext():
            # A call owned by another replica: its redaction window is there, and so goes the
            # stream.
            owner = await self._owner_elsewhere(CallRef(tenant, call_id))
            if owner is not None:
                acks = forwarded_acks(self._deps, owner, tenant, call_id, config, requests)
            else:
                acks = IngestStream(self._deps, tenant, call_id, requests).acks()
            async for ack in acks:
                yield ack

    async def _owner_elsewhere(self, ref: CallRef) -> str | None:
        try:
            return await self._deps.ownership.owner_elsewhere(ref)
        except Exception:  # the store away for a moment: the stream is taken here
            log.warning("call %s: could not look up its owner", ref.call_id, exc_info=True)
            return None

    async def _open(
        self,
        tenant: str,
        requests: AsyncIterator[transcript_service_pb2.StreamTranscriptRequest],
    ) -> tuple[str, transcript_service_pb2.StreamTranscriptRequest] | None:
        """Read the config message; return the call id and the message (None for an empty
        stream)."""
        first = await anext(requests, None)
        if first is None:
            return None
        if first.WhichOneof("request") != "config":
            raise InvalidArgument("config", "the first message of the stream must carry config")
        call_id = check_call_id(first.config.call_id, "config.call_id")
        require_call(current_principal(), call_id, "config.call_id")
        await self._deps.store.get_call(tenant, call_id)
        return call_id, first

    async def GetTranscript(
        self, request: transcript_service_pb2.GetTranscriptRequest, context: Any
    ) -> transcript_service_pb2.GetTranscriptResponse:
        principal = current_principal()
        call_id = check_call_id(request.call_id)
        raw = request.view == transcript_pb2.TRANSCRIPT_VIEW_RAW
        if request.view not in transcript_pb2.TranscriptView.values():
            raise InvalidArgument("view", f"unknown value {request.view}")
        if raw and not principal.privileged:
            raise PermissionDenied(
                "view: the raw transcript is readable only with a privileged API key",
                field="view",
            )
        if raw and not self._deps.config.keeps_original(principal.tenant_id):
            raise FailedPrecondition(
                f"view: tenant {principal.tenant_id!r} keeps redacted text only; its original"
                " text is not stored",
                field="view",
            )
        if request.after_seq < 0:
            raise InvalidArgument("after_seq", "must not be negative")
        if request.page_size < 0:
            raise InvalidArgument("page_size", "must not be negative")
        size = min(request.page_size or MAX_PAGE, MAX_PAGE)
        if raw:
            await self._deps.store.get_call(principal.tenant_id, call_id)  # NOT_FOUND first
            await self._deps.store.record_raw_read(
                principal.tenant_id, call_id, key_id=principal.key_id, method="GetTranscript"
            )
        segments = await self._deps.store.get_segments(
            principal.tenant_id, call_id, after_seq=request.after_seq, limit=size + 1, raw=raw
        )
        return transcript_service_pb2.GetTranscriptResponse(
            segments=segments[:size], has_more=len(segments) > size
        )

    async def WatchCall(
        self, request: transcript_service_pb2.WatchCallRequest, context: Any
    ) -> AsyncIterator[transcript_service_pb2.WatchCallResponse]:
        tenant = current_principal().tenant_id
        call_id = check_call_id(request.call_id)
        cursor = parse_cursor(request.after_cursor)
        store = self._deps.store
        subscription = self._deps.bus.subscribe(call_id)  # before reading: no wake is missed
        try:
            call = await store.get_call(tenant, call_id)
            if request.live_only:
                cursor = await store.last_event_id(tenant, call_id)
            ended = call.state == call_pb2.CALL_STATE_ENDED
            awaiting_final = False  # an ended call's final summary, still being written
            final_deadline = 0.0
            loop = asyncio.get_running_loop()
            while True:
                events = await store.events_after(tenant, call_id, cursor, limit=EVENT_BATCH)
                for event in events:
                    yield event
                    cursor = int(event.cursor)
                    ended_call = event.call_state_changed.call
                    if ended_call.state == call_pb2.CALL_STATE_ENDED:
                        ended = True
                        awaiting_final = ended_call.final_segment_count > 0
                        final_deadline = loop.time() + FINAL_SUMMARY_WAIT_S
                    if event.summary_updated.summary.final:
                        awaiting_final = False
                if len(events) == EVENT_BATCH:
                    continue
                if ended and (not awaiting_final or loop.time() >= final_deadline):
                    return
                try:
                    async with asyncio.timeout(
                        final_deadline - loop.time() if awaiting_final else None
                    ):
                        item = await subscription.next()
                except TimeoutError:
                    return
                if item == CLOSED:
                    raise Unavailable(
                        f"the server is stopping; resume with after_cursor={str(cursor)!r}"
                    )
                if item != WAKE:
                    assert not isinstance(item, str)
                    item.cursor = str(cursor)
                    yield item
        finally:
            subscription.close()
