"""Indexing call history for retrieval: redacted turns, embedded and upserted into Qdrant.

Off the ack path: storing a segment only marks its call dirty (a set insert). One background task
takes dirty calls, reads their redacted segments after the call's progress mark, cuts the settled
turns into chunks (`warmtransfer.rag.chunking`), embeds them in a worker thread, upserts them, and
only then advances the mark in the call store. So:

- a crash between the upsert and the mark re-indexes the same chunks under the same point ids
  (uuid5 of tenant, call and chunk index): nothing is lost, nothing is duplicated;
- at start-up, every call whose stored segments are ahead of its mark is indexed again from the
  mark (`catch_up`);
- when the embedder or Qdrant fails, the call stays dirty and is retried with backoff (up to
  `MAX_BACKOFF_S`), its mark unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from warmtransfer.rag.chunking import TurnSegment, chunks_of, cut_turns
from warmtransfer.rag.embeddings import Embedder
from warmtransfer.rag.vector_store import VectorStore
from warmtransfer.server.store import CallStore
from warmtransfer.server.summary_storage import CallRef
from warmtransfer.v1 import call_pb2

__all__ = ["HistoryIndexer"]

log = logging.getLogger(__name__)

PAGE = 2_000  # segments read per round for one call
MAX_BACKOFF_S = 30.0


class HistoryIndexer:
    def __init__(self, store: CallStore, vectors: VectorStore, embedder: Embedder) -> None:
        self._store = store
        self._vectors = vectors
        self._embedder = embedder
        self._dirty: dict[CallRef, None] = {}  # insertion-ordered set
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    @property
    def vectors(self) -> VectorStore:
        return self._vectors

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    async def start(self) -> None:
        """Start indexing, beginning with every call that fell behind before a restart."""
        for tenant_id, call_id in await self._store.calls_behind_index():
            self.call_changed(CallRef(tenant_id, call_id))
        self._task = asyncio.create_task(self._run(), name="history-indexer")

    def call_changed(self, ref: CallRef) -> None:
        """A call has new segments, or ended: index what is settled (cheap, never blocks)."""
        self._dirty[ref] = None
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self, timeout: float | None = None) -> None:
        """Wait until every dirty call is indexed as far as it can be."""
        async with asyncio.timeout(timeout):
            await self._idle.wait()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await asyncio.to_thread(self._vectors.close)

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            if not self._dirty:
                self._idle.set()
                await self._wake.wait()
            self._wake.clear()
            ref = next(iter(self._dirty))
            del self._dirty[ref]
            try:
                more = await self._index(ref)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("indexing call %s failed; retrying in %.1f s", ref.call_id, backoff)
                self._dirty[ref] = None
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            backoff = 0.5
            if more:
                self._dirty[ref] = None

    async def _index(self, ref: CallRef) -> bool:
        """Index the call's settled turns after its mark; True when more segments are waiting."""
        through, chunk_count = await self._store.index_progress(ref.call_id)
        call = await self._store.get_call(ref.tenant_id, ref.call_id)
        stored = await self._store.get_segments(
            ref.tenant_id, ref.call_id, after_seq=through, limit=PAGE
        )
        if not stored:
            return False
        segments = [
            TurnSegment(
                seq=s.seq,
                speaker_identity=s.speaker_identity,
                speaker_role=s.speaker_role,
                text=s.text,
                start_ms=s.start_offset.ToMilliseconds(),
                end_ms=s.end_offset.ToMilliseconds(),
            )
            for s in stored
        ]
        more = len(stored) == PAGE
        ended = call.state == call_pb2.CALL_STATE_ENDED and not more
        turns, settled_through = cut_turns(segments, call_ended=ended)
        if settled_through == 0:
            return False
        chunks = chunks_of(
            turns,
            tenant_id=ref.tenant_id,
            call_id=ref.call_id,
            customer_id=call.customer_id,
            call_started_at_us=call.created_at.ToMicroseconds(),
            first_index=chunk_count,
        )
        if chunks:
            vectors = await asyncio.to_thread(self._embedder.embed, [c.text for c in chunks])
            await asyncio.to_thread(self._vectors.upsert, chunks, vectors)
        await self._store.save_index_progress(
            ref.call_id, settled_through, chunk_count + len(chunks)
        )
        return more
