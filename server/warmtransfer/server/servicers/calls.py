"""CallService: create, read, list and end calls."""

from __future__ import annotations

import base64
import binascii
import logging
import time
from typing import Any

from warmtransfer.pipeline.worker.protocol import TranscribeJob
from warmtransfer.server.auth import current_principal, require_call
from warmtransfer.server.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    Unavailable,
)
from warmtransfer.server.media import LiveKitRooms
from warmtransfer.server.servicers.deps import Deps
from warmtransfer.server.store.calls import new_call_id, room_name
from warmtransfer.server.summary_storage import CallRef
from warmtransfer.server.validation import (
    check_call_id,
    check_identity,
    check_metadata,
    check_timestamp,
)
from warmtransfer.v1 import call_pb2, call_service_pb2, call_service_pb2_grpc

__all__ = ["CallServicer"]

log = logging.getLogger(__name__)
FINAL_SUMMARY_TIMEOUT_S = 10.0
ROLES = (
    call_pb2.PARTICIPANT_ROLE_CALLER,
    call_pb2.PARTICIPANT_ROLE_AGENT,
    call_pb2.PARTICIPANT_ROLE_SUPERVISOR,
)


END_DRAIN_TIMEOUT_S = 10.0
"""How long EndCall waits for the call's transcriber to send its last words."""


class CallServicer(call_service_pb2_grpc.CallServiceServicer):  # type: ignore[misc]
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def CreateCall(
        self, request: call_service_pb2.CreateCallRequest, context: Any
    ) -> call_service_pb2.CreateCallResponse:
        tenant = current_principal().tenant_id
        limits = self._deps.config.limits
        customer_id = request.customer_id.strip()
        if not customer_id:
            raise InvalidArgument("customer_id", "is required")
        if len(customer_id) > limits.max_customer_id_chars:
            raise InvalidArgument(
                "customer_id", f"is longer than {limits.max_customer_id_chars} characters"
            )
        check_metadata(request.metadata, limits)
        self._deps.load.admit()  # a saturated server takes no new calls
        call_id = new_call_id()
        if self._deps.media is not None:
            # The media worker comes with the room: it transcribes the call from the start.
            transcribe = TranscribeJob(
                call_id=call_id,
                token=self._deps.ingest_tokens.mint(tenant, call_id),
                started_at=time.time(),
            )
            await self._deps.media.create_room(
                room_name(call_id), call_id=call_id, tenant_id=tenant, worker_job=transcribe
            )
        call = await self._deps.store.create_call(tenant, customer_id, request.metadata, call_id)
        return call_service_pb2.CreateCallResponse(call=call)

    async def GetCall(
        self, request: call_service_pb2.GetCallRequest, context: Any
    ) -> call_service_pb2.GetCallResponse:
        tenant = current_principal().tenant_id
        call = await self._deps.store.get_call(tenant, check_call_id(request.call_id))
        return call_service_pb2.GetCallResponse(call=call)

    async def ListCalls(
        self, request: call_service_pb2.ListCallsRequest, context: Any
    ) -> call_service_pb2.ListCallsResponse:
        tenant = current_principal().tenant_id
        if request.page_size < 0 or request.page_size > 500:
            raise InvalidArgument("page_size", "must be between 0 and 500")
        if request.state not in call_pb2.CallState.values():
            raise InvalidArgument("state", f"unknown value {request.state}")
        calls, last = await self._deps.store.list_calls(
            tenant,
            page_size=request.page_size or 50,
            after=_decode_page_token(request.page_token),
            state=request.state,
            customer_id=request.customer_id,
        )
        return call_service_pb2.ListCallsResponse(
            calls=calls, next_page_token=_encode_page_token(last)
        )

    async def EndCall(
        self, request: call_service_pb2.EndCallRequest, context: Any
    ) -> call_service_pb2.EndCallResponse:
        tenant = current_principal().tenant_id
        call_id = check_call_id(request.call_id)
        call = await self._deps.store.get_call(tenant, call_id)  # NOT_FOUND before any work
        if self._deps.media is not None and await self._deps.open_streams.open_anywhere(call_id):
            # The room closes first: its transcriber then recognizes what it is still hearing
            # (the last words before the hang-up), sends it, and ends its stream.
            try:
                await self._deps.media.delete_room(call.room_name)
            except Unavailable:
                log.warning("could not delete room %s of an ending call", call.room_name)
            if not await self._deps.open_streams.wait_ended(call_id, END_DRAIN_TIMEOUT_S):
                log.warning("call %s: its transcriber did not finish in time", call_id)
        # Nothing said from now on revises what was said before (a late line starts afresh),
        # so the whole transcript is settled and the summaries may read all of it.
        self._deps.redactors.end_call(tenant, call_id)
        await self._deps.store.settle_call(tenant, call_id)
        # The rolling summary is brought up to date before the call is marked ended, so
        # watchers see it before the stream closes on the CALL_STATE_ENDED event.
        await self._deps.engine.flush(CallRef(tenant, call_id), timeout=FINAL_SUMMARY_TIMEOUT_S)
        call, changed = await self._deps.store.end_call(tenant, call_id)
        ref = CallRef(tenant, call_id)
        if changed and await self._deps.ownership.claim(ref):
            # The final summary, from the whole call, follows in the background; on another
            # replica if that one owns the call (it finishes the calls it owns that ended).
            self._deps.ownership.finishing(call_id)
            self._deps.engine.finalize(ref)
            self._deps.indexer.call_changed(ref)  # its last turns settle
        if changed and self._deps.media is not None:
            try:
                await self._deps.media.delete_room(call.room_name)
            except Unavailable:  # the call is ended; LiveKit closes the empty room by itself
                log.warning("could not delete room %s of ended call", call.room_name)
        return call_service_pb2.EndCallResponse(call=call)

    async def IssueToken(
        self, request: call_service_pb2.IssueTokenRequest, context: Any
    ) -> call_service_pb2.IssueTokenResponse:
        tenant = current_principal().tenant_id
        call_id = check_call_id(request.call_id)
        identity = check_identity(request.identity)
        if request.role not in ROLES:
            raise InvalidArgument("role", "must be CALLER, AGENT or SUPERVISOR")
        media = self._media()
        call = await self._deps.store.register_participant(tenant, call_id, identity, request.role)
        token = media.join_token(
            room=call.room_name, identity=identity, role=request.role, call_id=call_id
        )
        response = call_service_pb2.IssueTokenResponse(
            token=token, livekit_url=media.config.url, room_name=call.room_name
        )
        response.expires_at.GetCurrentTime()
        response.expires_at.FromSeconds(
            response.expires_at.seconds + int(media.config.token_ttl.total_seconds())
        )
        return response

    async def ListParticipants(
        self, request: call_service_pb2.ListParticipantsRequest, context: Any
    ) -> call_service_pb2.ListParticipantsResponse:
        tenant = current_principal().tenant_id
        call = await self._deps.store.get_call(tenant, check_call_id(request.call_id))
        media = self._media()
        if call.state == call_pb2.CALL_STATE_ENDED:
            return call_service_pb2.ListParticipantsResponse()
        try:
            participants = await media.list_participants(call.room_name)
        except NotFound:  # LiveKit closed the room: nobody is in it
            participants = []
        return call_service_pb2.ListParticipantsResponse(participants=participants)

    async def RemoveParticipant(
        self, request: call_service_pb2.RemoveParticipantRequest, context: Any
    ) -> call_service_pb2.RemoveParticipantResponse:
        tenant = current_principal().tenant_id
        call = await self._deps.store.get_call(tenant, check_call_id(request.call_id))
        identity = check_identity(request.identity)
        try:
            await self._media().remove_participant(call.room_name, identity)
        except NotFound:
            raise NotFound(
                f"participant {identity!r} is not in call {call.call_id!r}", field="identity"
            ) from None
        return call_service_pb2.RemoveParticipantResponse()

    async def HoldCall(
        self, request: call_service_pb2.HoldCallRequest, context: Any
    ) -> call_service_pb2.HoldCallResponse:
        tenant = current_principal().tenant_id
        call = await self._deps.transfers.hold_call(tenant, check_call_id(request.call_id))
        return call_service_pb2.HoldCallResponse(call=call)

    async def ResumeCall(
        self, request: call_service_pb2.ResumeCallRequest, context: Any
    ) -> call_service_pb2.ResumeCallResponse:
        tenant = current_principal().tenant_id
        call = await self._deps.transfers.resume_call(tenant, check_call_id(request.call_id))
        return call_service_pb2.ResumeCallResponse(call=call)

    async def RecordParticipantEvent(
        self, request: call_service_pb2.RecordParticipantEventRequest, context: Any
    ) -> call_service_pb2.RecordParticipantEventResponse:
        principal = current_principal()
        call_id = check_call_id(request.call_id)
        require_call(principal, call_id, "call_id")
        identity = check_identity(request.identity)
        if request.kind not in (
            call_pb2.PARTICIPANT_EVENT_KIND_JOINED,
            call_pb2.PARTICIPANT_EVENT_KIND_LEFT,
        ):
            raise InvalidArgument("kind", "must be JOINED or LEFT")
        at_us = (
            check_timestamp(request.occurred_at, "occurred_at")
            if request.HasField("occurred_at")
            else time.time_ns() // 1000
        )
        participant = await self._deps.store.record_participant_event(
            principal.tenant_id, call_id, identity, request.kind, at_us
        )
        self._deps.transfers.participant_changed(room_name(call_id))
        return call_service_pb2.RecordParticipantEventResponse(participant=participant)

    def _media(self) -> LiveKitRooms:
        if self._deps.media is None:
            raise FailedPrecondition(
                "this server runs without LiveKit (WARMTRANSFER_MEDIA=none): calls have no rooms"
            )
        return self._deps.media


def _encode_page_token(position: tuple[int, str] | None) -> str:
    if position is None:
        return ""
    return base64.urlsafe_b64encode(f"{position[0]}:{position[1]}".encode()).decode()


def _decode_page_token(token: str) -> tuple[int, str] | None:
    if not token:
        return None
    try:
        created, _, call_id = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        return int(created), check_call_id(call_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, InvalidArgument):
        raise InvalidArgument("page_token", "is not a token from a previous page") from None
