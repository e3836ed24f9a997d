"""TransferService: warm transfers (the state machine is `warmtransfer.server.transfer`)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

from warmtransfer.server.auth import current_principal
from warmtransfer.server.errors import InvalidArgument, Unavailable
from warmtransfer.server.event_bus import CLOSED
from warmtransfer.server.servicers.deps import Deps
from warmtransfer.server.store.transfers import agent_key
from warmtransfer.server.transfer.states import ACTIVE_STATES
from warmtransfer.server.validation import check_call_id, check_identity, parse_cursor
from warmtransfer.v1 import transfer_pb2, transfer_service_pb2, transfer_service_pb2_grpc

__all__ = ["TransferServicer"]

MAX_REASON_CHARS = 1000
EVENT_BATCH = 500
_TRANSFER_ID = re.compile(r"^t_[0-9a-f]{24}$")


def check_reason(reason: str) -> str:
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidArgument("reason", f"is longer than {MAX_REASON_CHARS} characters")
    return reason


def check_transfer_id(transfer_id: str) -> str:
    if not transfer_id:
        raise InvalidArgument("transfer_id", "is required")
    if not _TRANSFER_ID.match(transfer_id):
        raise InvalidArgument("transfer_id", f"{transfer_id[:64]!r} is not a transfer id")
    return transfer_id


class TransferServicer(transfer_service_pb2_grpc.TransferServiceServicer):  # type: ignore[misc]
    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._transfers = deps.transfers

    async def StartTransfer(
        self, request: transfer_service_pb2.StartTransferRequest, context: Any
    ) -> transfer_service_pb2.StartTransferResponse:
        tenant = current_principal().tenant_id
        call_id = check_call_id(request.call_id)
        source = check_identity(request.from_identity, "from_identity")
        target = check_identity(request.to_identity, "to_identity")
        if source == target:
            raise InvalidArgument("to_identity", "must differ from from_identity")
        check_reason(request.reason)
        return await self._transfers.start(tenant, call_id, source, target, request.reason)

    async def CompleteTransfer(
        self, request: transfer_service_pb2.CompleteTransferRequest, context: Any
    ) -> transfer_service_pb2.CompleteTransferResponse:
        tenant = current_principal().tenant_id
        return await self._transfers.complete(tenant, check_transfer_id(request.transfer_id))

    async def CancelTransfer(
        self, request: transfer_service_pb2.CancelTransferRequest, context: Any
    ) -> transfer_service_pb2.CancelTransferResponse:
        tenant = current_principal().tenant_id
        transfer = await self._transfers.cancel(tenant, check_transfer_id(request.transfer_id))
        return transfer_service_pb2.CancelTransferResponse(transfer=transfer)

    async def GetTransfer(
        self, request: transfer_service_pb2.GetTransferRequest, context: Any
    ) -> transfer_service_pb2.GetTransferResponse:
        tenant = current_principal().tenant_id
        transfer = await self._transfers.get(tenant, check_transfer_id(request.transfer_id))
        return transfer_service_pb2.GetTransferResponse(transfer=transfer)

    async def AcceptTransfer(
        self, request: transfer_service_pb2.AcceptTransferRequest, context: Any
    ) -> transfer_service_pb2.AcceptTransferResponse:
        tenant = current_principal().tenant_id
        return await self._transfers.accept(tenant, check_transfer_id(request.transfer_id))

    async def DeclineTransfer(
        self, request: transfer_service_pb2.DeclineTransferRequest, context: Any
    ) -> transfer_service_pb2.DeclineTransferResponse:
        tenant = current_principal().tenant_id
        transfer_id = check_transfer_id(request.transfer_id)
        reason = check_reason(request.reason)
        transfer = await self._transfers.decline(tenant, transfer_id, reason)
        return transfer_service_pb2.DeclineTransferResponse(transfer=transfer)

    async def WatchAgent(
        self, request: transfer_service_pb2.WatchAgentRequest, context: Any
    ) -> AsyncIterator[transfer_service_pb2.WatchAgentResponse]:
        tenant = current_principal().tenant_id
        identity = check_identity(request.identity)
        cursor: int | None = parse_cursor(request.after_cursor) if request.after_cursor else None
        store = self._deps.store
        # Subscribed before the first read, so no change between the two is missed.
        subscription = self._deps.bus.subscribe(agent_key(tenant, identity))
        try:
            while True:
                events, start = await store.agent_events_after(
                    tenant, identity, cursor, limit=EVENT_BATCH
                )
                cursor = start
                for event in events:
                    if event.previous_state == transfer_pb2.TRANSFER_STATE_UNSPECIFIED:
                        await self._brief(tenant, event)
                    yield event
                    cursor = int(event.cursor)
                if len(events) == EVENT_BATCH:
                    continue
                if await subscription.next() == CLOSED:
                    raise Unavailable(
                        f"the server is stopping; resume with after_cursor={str(cursor)!r}"
                    )
        finally:
            subscription.close()

    async def _brief(self, tenant: str, offer: transfer_service_pb2.WatchAgentResponse) -> None:
        """Attach the briefing as it is now to an offer that is still under way."""
        transfer = await self._transfers.get(tenant, offer.transfer.transfer_id)
        if transfer.state in ACTIVE_STATES:
            offer.briefing.CopyFrom(
                await self._transfers.briefing(tenant, transfer.call_id, reason=transfer.reason)
            )
