"""TransferService: warm transfers (see `warmtransfer.server.transfers` for the state machine)."""

from __future__ import annotations

import re
from typing import Any

from warmtransfer.server.auth import current_principal
from warmtransfer.server.errors import InvalidArgument
from warmtransfer.server.transfers import TransferCoordinator
from warmtransfer.server.validation import check_call_id, check_identity
from warmtransfer.v1 import transfer_service_pb2, transfer_service_pb2_grpc

__all__ = ["TransferServicer"]

MAX_REASON_CHARS = 1000
_TRANSFER_ID = re.compile(r"^t_[0-9a-f]{24}$")


def check_transfer_id(transfer_id: str) -> str:
    if not transfer_id:
        raise InvalidArgument("transfer_id", "is required")
    if not _TRANSFER_ID.match(transfer_id):
        raise InvalidArgument("transfer_id", f"{transfer_id[:64]!r} is not a transfer id")
    return transfer_id


class TransferServicer(transfer_service_pb2_grpc.TransferServiceServicer):  # type: ignore[misc]
    def __init__(self, coordinator: TransferCoordinator) -> None:
        self._transfers = coordinator

    async def StartTransfer(
        self, request: transfer_service_pb2.StartTransferRequest, context: Any
    ) -> transfer_service_pb2.StartTransferResponse:
        tenant = current_principal().tenant_id
        call_id = check_call_id(request.call_id)
        source = check_identity(request.from_identity, "from_identity")
        target = check_identity(request.to_identity, "to_identity")
        if source == target:
            raise InvalidArgument("to_identity", "must differ from from_identity")
        if len(request.reason) > MAX_REASON_CHARS:
            raise InvalidArgument("reason", f"is longer than {MAX_REASON_CHARS} characters")
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
