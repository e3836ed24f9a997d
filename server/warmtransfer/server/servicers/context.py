"""ContextService: what happened before, from the redacted, indexed history of the tenant's calls.

The tenant always comes from the API key, and the vector store adds it to every query itself;
nothing in a request can widen a search past it. Queries are embedded in a worker thread.
"""

from __future__ import annotations

import asyncio
from typing import Any

from warmtransfer.rag.embeddings import Vectors
from warmtransfer.rag.vector_store import ChunkFilter, ChunkHit
from warmtransfer.server.auth import current_principal
from warmtransfer.server.errors import InvalidArgument
from warmtransfer.server.servicers.deps import Deps
from warmtransfer.server.validation import check_call_id, check_timestamp
from warmtransfer.v1 import (
    context_service_pb2,
    context_service_pb2_grpc,
)

__all__ = ["ContextServicer"]

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_QUERY_CHARS = 2_000
MAX_CUSTOMER_ID_CHARS = 256
PREVIOUS_CALLS = 5
MOMENTS_PER_CALL = 3
RECENT_LINES = 6  # of the current call, asked with when it has no summary yet
MAX_EXACT_US = 2**53  # time bounds are compared as float64 by the vector store


class ContextServicer(context_service_pb2_grpc.ContextServiceServicer):  # type: ignore[misc]
    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._indexer = deps.indexer

    async def SearchContext(
        self, request: context_service_pb2.SearchContextRequest, context: Any
    ) -> context_service_pb2.SearchContextResponse:
        tenant = current_principal().tenant_id
        query = request.query.strip()
        if not query:
            raise InvalidArgument("query", "must not be empty")
        if len(request.query) > MAX_QUERY_CHARS:
            raise InvalidArgument("query", f"must be at most {MAX_QUERY_CHARS} characters")
        if len(request.customer_id) > MAX_CUSTOMER_ID_CHARS:
            raise InvalidArgument(
                "customer_id", f"must be at most {MAX_CUSTOMER_ID_CHARS} characters"
            )
        if request.limit < 0 or request.limit > MAX_LIMIT:
            raise InvalidArgument(
                "limit", f"must be between 0 and {MAX_LIMIT} (0: {DEFAULT_LIMIT})"
            )
        start, end = (
            check_timestamp(getattr(request, name), name) if request.HasField(name) else None
            for name in ("start_time", "end_time")
        )
        for name, bound in (("start_time", start), ("end_time", end)):
            if bound is not None and abs(bound) > MAX_EXACT_US:
                raise InvalidArgument(name, "is out of range (years 1685 to 2255)")
        if start is not None and end is not None and start >= end:
            raise InvalidArgument("end_time", "must be after start_time")
        where = ChunkFilter(
            customer_id=request.customer_id or None,
            started_at_or_after_us=start,
            started_before_us=end,
        )
        hits = await self._search(tenant, query, where, request.limit or DEFAULT_LIMIT)
        return context_service_pb2.SearchContextResponse(snippets=[_snippet(h) for h in hits])

    async def GetCallContext(
        self, request: context_service_pb2.GetCallContextRequest, context: Any
    ) -> context_service_pb2.GetCallContextResponse:
        tenant = current_principal().tenant_id
        call_id = check_call_id(request.call_id)
        store = self._deps.store
        summary, pending = await store.get_summary_and_pending(tenant, call_id, limit=RECENT_LINES)
        call = await store.get_call(tenant, call_id)
        response = context_service_pb2.GetCallContextResponse(summary=summary)
        if not call.customer_id:
            return response
        previous = await store.previous_calls(
            tenant, call.customer_id, before_call_id=call_id, limit=PREVIOUS_CALLS
        )
        if not previous:
            return response
        # Ask the history what this call is about: its summary, or its latest lines.
        question = " ".join(
            [summary.reason, *summary.facts, summary.briefing] + [s.text for s in pending]
        ).strip()
        vector = await self._embed(question) if question else None
        for earlier in previous:
            stored = await store.get_summary(tenant, earlier.call_id)
            item = response.previous_calls.add(call_id=earlier.call_id)
            item.started_at.CopyFrom(earlier.created_at)
            if stored is not None:
                item.summary.CopyFrom(stored.summary)
            if vector is not None:
                hits = await asyncio.to_thread(
                    self._indexer.vectors.search,
                    tenant,
                    vector,
                    where=ChunkFilter(call_id=earlier.call_id),
                    limit=MOMENTS_PER_CALL,
                )
                item.moments.extend(_snippet(h) for h in hits)
        return response

    async def _embed(self, text: str) -> Vectors:
        """The text's unit vector (one row)."""
        vectors: Vectors = await asyncio.to_thread(self._indexer.embedder.embed, [text])
        row: Vectors = vectors[0]
        return row

    async def _search(
        self, tenant: str, query: str, where: ChunkFilter, limit: int
    ) -> list[ChunkHit]:
        vector = await self._embed(query)
        return await asyncio.to_thread(
            self._indexer.vectors.search, tenant, vector, where=where, limit=limit
        )


def _snippet(hit: ChunkHit) -> context_service_pb2.ContextSnippet:
    chunk = hit.chunk
    snippet = context_service_pb2.ContextSnippet(
        call_id=chunk.call_id,
        speaker_role=chunk.speaker_role,  # type: ignore[arg-type]
        speaker_identity=chunk.speaker_identity,
        text=chunk.text,
        score=hit.score,
    )
    snippet.start_offset.FromMilliseconds(chunk.start_offset_ms)
    snippet.call_started_at.FromMicroseconds(chunk.call_started_at_us)
    return snippet
