"""Indexing call history for retrieval: redacted turns, embedded and upserted into Qdrant.

Off the ack path: storing a segment only marks its call dirty (a dict insert). One background
task takes up to `BATCH_CALLS` dirty calls at a time (letting them gather for up to `GATHER_S`),
reads each one's redacted segments after its progress mark, cuts the settled turns into chunks
(`warmtransfer.rag.chunking`), embeds all the batch's chunks at once (on this machine, in a
process of its own: `EmbeddingWorker`; by a provider, in a thread), upserts them, and only then
advances each call's mark in the call store. So:

- a crash between the upsert and the mark re-indexes the same chunks under the same point ids
  (uuid5 of tenant, call and chunk index): nothing is lost, nothing is duplicated;
- at start-up, every call whose stored segments are ahead of its mark is indexed again from the
  mark (`catch_up`);
- when the embedder (or its process) or Qdrant fails, the call stays dirty and is retried with
  backoff (up to `MAX_BACKOFF_S`), its mark unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from warmtransfer.rag.chunking import TurnSegment, chunks_of, cut_turns
from warmtransfer.rag.embeddings import Embedder
from warmtransfer.rag.vector_store import Chunk, VectorStore
from warmtransfer.server.embedding_worker import EmbeddingWorker
from warmtransfer.server.errors import FailedPrecondition
from warmtransfer.server.store import CallStore
from warmtransfer.server.summary_storage import CallRef
from warmtransfer.server.workers import lower_priority
from warmtransfer.v1 import call_pb2

__all__ = ["HistoryIndexer"]

log = logging.getLogger(__name__)

PAGE = 2_000  # segments read per round for one call
BATCH_CALLS = 64  # calls indexed together: their chunks are embedded in one batch
GATHER_S = 2.0  # how long a dirty call may wait for others to join its batch
MAX_BACKOFF_S = 30.0


class HistoryIndexer:
    def __init__(
        self,
        store: CallStore,
        vectors: VectorStore,
        embedder: Embedder,
        *,
        embed_worker: EmbeddingWorker | None = None,
        fence: Callable[[str], tuple[str, int] | None] | None = None,
    ) -> None:
        """`embedder`: what queries are embedded with, and the index too unless `embed_worker`
        embeds it in a process of its own (the same model). `fence(call_id)`: see
        StoreSummaryStorage; progress of a call this replica no longer owns is not saved."""
        self._store = store
        self._fence = fence
        self._vectors = vectors
        self._embedder = embedder
        self._embed_worker = embed_worker
        # Calls with segments not yet indexed, oldest first, with when each became so.
        self._dirty: dict[CallRef, float] = {}
        self._wake = asyncio.Event()
        self._hurry = asyncio.Event()
        self._idle = asyncio.Event()
        self.indexed_chunks = 0
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        # Embedding is the heaviest work of a live call and may lag by seconds: without a
        # worker process it runs in a thread of its own, at the lowest priority, so acks and
        # RPCs go first (the upserts run there too).
        self._executor = ThreadPoolExecutor(
            1, thread_name_prefix="history-embed", initializer=lower_priority, initargs=(10,)
        )

    @property
    def vectors(self) -> VectorStore:
        return self._vectors

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    @property
    def embed_worker(self) -> EmbeddingWorker | None:
        return self._embed_worker

    async def start(self) -> None:
        """Start indexing. Calls that fell behind before a restart are resumed by their owner
        (see `ownership`), which tells `call_changed`."""
        self._task = asyncio.create_task(self._run(), name="history-indexer")

    def call_changed(self, ref: CallRef) -> None:
        """A call has new segments, or ended: index what is settled (cheap, never blocks)."""
        self._dirty.setdefault(ref, time.monotonic())
        self._idle.clear()
        self._wake.set()

    def lag_seconds(self) -> float:
        """How long the call waiting longest for the indexer has waited."""
        return time.monotonic() - min(self._dirty.values()) if self._dirty else 0.0

    async def wait_idle(self, timeout: float | None = None) -> None:
        """Wait until every dirty call is indexed as far as it can be (now, without gathering)."""
        self._hurry.set()
        async with asyncio.timeout(timeout):
            await self._idle.wait()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await asyncio.to_thread(self._vectors.close)
        self._executor.shutdown(wait=False)
        if self._embed_worker is not None:
            await asyncio.to_thread(self._embed_worker.close)

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            if not self._dirty:
                self._idle.set()
                self._hurry.clear()
                await self._wake.wait()
                self._wake.clear()
                continue
            self._wake.clear()
            await self._gather()
            batch = dict(itertools.islice(self._dirty.items(), BATCH_CALLS))
            for ref in batch:
                del self._dirty[ref]
            try:
                more = await self._index(list(batch))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("indexing %d calls failed; retrying in %.1f s", len(batch), backoff)
                for ref, since in batch.items():
                    self._dirty.setdefault(ref, since)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            backoff = 0.5
            for ref in more:
                self._dirty.setdefault(ref, batch[ref])

    async def _gather(self) -> None:
        """Let work gather for up to `GATHER_S` (a call's turns settle a few segments after they
        are said, and one batch embeds many calls' turns at once), unless a full batch waits or
        someone waits for the index (`wait_idle`)."""
        oldest = min(self._dirty.values())
        left = oldest + GATHER_S - time.monotonic()
        if left > 0 and len(self._dirty) < BATCH_CALLS and not self._hurry.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await self._hurry.wait()

    async def _index(self, refs: list[CallRef]) -> list[CallRef]:
        """Index the settled turns of `refs` after their marks, embedding them all at once;
        returns the calls with more segments waiting."""
        reads = await asyncio.gather(*(self._read(ref) for ref in refs))
        chunks: list[Chunk] = []
        progress: list[tuple[CallRef, int, int]] = []
        more: list[CallRef] = []
        for ref, read in zip(refs, reads, strict=True):
            if read is None:
                continue
            call_chunks, settled_through, chunk_count, has_more = read
            chunks.extend(call_chunks)
            progress.append((ref, settled_through, chunk_count + len(call_chunks)))
            if has_more:
                more.append(ref)
        if chunks:
            loop = asyncio.get_running_loop()
            texts = [c.text for c in chunks]
            if self._embed_worker is not None:
                vectors = await self._embed_worker.embed(texts)
            else:
                vectors = await loop.run_in_executor(self._executor, self._embedder.embed, texts)
            await loop.run_in_executor(self._executor, self._vectors.upsert, chunks, vectors)
        await asyncio.gather(*(self._save(r, t, n) for r, t, n in progress))
        self.indexed_chunks += len(chunks)
        return more

    async def _save(self, ref: CallRef, through: int, chunks: int) -> None:
        fence = self._fence(ref.call_id) if self._fence is not None else None
        if self._fence is not None and fence is None:
            return  # another replica owns the call now, and indexes it
        try:
            await self._store.save_index_progress(ref.call_id, through, chunks, fence=fence)
        except FailedPrecondition as exc:
            log.info("index progress of call %s not saved: %s", ref.call_id, exc)

    async def _read(self, ref: CallRef) -> tuple[list[Chunk], int, int, bool] | None:
        """A call's chunks settled after its mark: (chunks, settled through seq, chunks so far,
        more segments waiting); None when nothing new is settled."""
        call, _, chunk_count, stored = await self._store.unindexed(
            ref.tenant_id, ref.call_id, limit=PAGE
        )
        if not stored:
            return None
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
            return None
        chunks = chunks_of(
            turns,
            tenant_id=ref.tenant_id,
            call_id=ref.call_id,
            customer_id=call.customer_id,
            call_started_at_us=call.created_at.ToMicroseconds(),
            first_index=chunk_count,
        )
        return chunks, settled_through, chunk_count, more
