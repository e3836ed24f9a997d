"""ContextService: defined in the API, built by later work.

Each RPC answers UNIMPLEMENTED with a sentence that says what is missing, never a bare error.
"""

from __future__ import annotations

from typing import Any, NoReturn

from warmtransfer.server.errors import Unimplemented
from warmtransfer.v1 import context_service_pb2_grpc

__all__ = ["ContextServicer"]


def _context_missing(rpc: str) -> NoReturn:
    raise Unimplemented(
        f"ContextService.{rpc} is not available yet: call-history search needs the Qdrant "
        "index, which this server does not include yet"
    )


class ContextServicer(context_service_pb2_grpc.ContextServiceServicer):  # type: ignore[misc]
    async def SearchContext(self, request: Any, context: Any) -> Any:
        _context_missing("SearchContext")

    async def GetCallContext(self, request: Any, context: Any) -> Any:
        _context_missing("GetCallContext")
