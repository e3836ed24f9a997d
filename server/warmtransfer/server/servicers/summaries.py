"""SummaryService: the precomputed summary plus what it has not read yet."""

from __future__ import annotations

from typing import Any

from warmtransfer.server.auth import current_principal
from warmtransfer.server.servicers.deps import Deps
from warmtransfer.server.store.call_store import MAX_PENDING_SEGMENTS
from warmtransfer.server.validation import check_call_id
from warmtransfer.v1 import summary_service_pb2, summary_service_pb2_grpc

__all__ = ["SummaryServicer"]


class SummaryServicer(summary_service_pb2_grpc.SummaryServiceServicer):  # type: ignore[misc]
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def GetSummary(
        self, request: summary_service_pb2.GetSummaryRequest, context: Any
    ) -> summary_service_pb2.GetSummaryResponse:
        tenant = current_principal().tenant_id
        summary, pending = await self._deps.store.get_summary_and_pending(
            tenant, check_call_id(request.call_id), limit=MAX_PENDING_SEGMENTS
        )
        return summary_service_pb2.GetSummaryResponse(summary=summary, pending_segments=pending)
