"""The history index's embedding on this machine, in a process of its own.

MiniLM runs one text per onnxruntime session run (see `warmtransfer.rag.embeddings`), and each
run takes the GIL back when it ends. In a thread of the server it waited for the GIL behind the
event loop and the store's threads at every text: alone, one core embedded 584 texts a second;
beside one busy Python thread, 124. At 1,000 live calls the index fell 40 s behind with a
core partly idle. In a process of its own, at a lower priority than the server (as the redaction
workers are), it runs at the speed of its core.

`SearchContext`'s queries are embedded in the server (one short text each, and never queued
behind a batch of the index).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from warmtransfer.rag.embeddings import Embedder, Vectors, build_embedder
from warmtransfer.server.workers import Worker, WorkerPriority

__all__ = ["EMBED_NICENESS", "EmbeddingWorker"]

# With the `low` worker priority, lower than the redaction workers (5): a few seconds of index
# lag cost nothing, a late acknowledgement does.
EMBED_NICENESS = 10

_EMBEDDER: Embedder | None = None


def _load(env: Mapping[str, str]) -> None:
    """The worker's initializer: build the embedder the server's environment names."""
    global _EMBEDDER
    if _EMBEDDER is None:
        _EMBEDDER = build_embedder(env)


def _embed(texts: list[str]) -> Vectors:
    assert _EMBEDDER is not None
    return _EMBEDDER.embed(texts)


class EmbeddingWorker:
    """Embeds batches of texts in a worker process; one batch at a time, in order."""

    def __init__(self, env: Mapping[str, str], *, priority: WorkerPriority = "low") -> None:
        self._worker = Worker(
            "history-embed",
            initializer=_load,
            initargs=(dict(env),),
            priority=priority,
            niceness=EMBED_NICENESS,
        )

    @property
    def worker(self) -> Worker:
        return self._worker

    async def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text; raises `WorkerLost` if the process died meanwhile (the next
        call starts a new one)."""
        return await self._worker.run(_embed, list(texts))

    def close(self) -> None:
        self._worker.close()
