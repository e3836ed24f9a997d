"""CallService: create, read, list and end calls."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from warmtransfer.server.auth import current_principal
from warmtransfer.server.errors import InvalidArgument, Unimplemented
from warmtransfer.server.servicers.deps import Deps
from warmtransfer.server.summary_storage import CallRef
from warmtransfer.server.validation import check_call_id, check_metadata
from warmtransfer.v1 import call_pb2, call_service_pb2, call_service_pb2_grpc

__all__ = ["CallServicer"]

FINAL_SUMMARY_TIMEOUT_S = 10.0


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
        call = await self._deps.store.create_call(tenant, customer_id, request.metadata)
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
        await self._deps.store.get_call(tenant, call_id)  # NOT_FOUND before any work
        # The final summary is written before the call is marked ended, so watchers see it
        # before the stream closes on the CALL_STATE_ENDED event.
        await self._deps.engine.flush(CallRef(tenant, call_id), timeout=FINAL_SUMMARY_TIMEOUT_S)
        call, _ = await self._deps.store.end_call(tenant, call_id)
        return call_service_pb2.EndCallResponse(call=call)

    async def IssueToken(
        self, request: call_service_pb2.IssueTokenRequest, context: Any
    ) -> call_service_pb2.IssueTokenResponse:
        raise Unimplemented(
            "IssueToken is not available yet: LiveKit join tokens arrive with the LiveKit "
            "transfer work"
        )


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
