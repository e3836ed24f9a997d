"""The store interface both engines implement, with the checks and lifecycle they share.

`VectorStore` validates every call (tenant present, vector sizes, limits) and tracks calls in
flight, so `close()` waits for them to finish and any later call raises `StoreClosedError`
instead of reaching a released engine. Engines implement the underscored methods and always
receive a validated, non-empty tenant, which they add to every filter as a `must` condition.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from warmtransfer.rag.vector_store._model import (
    Chunk,
    ChunkFilter,
    ChunkHit,
    StoreClosedError,
    VectorLike,
    as_vector,
    validate_tenant,
)

__all__ = ["VectorStore"]


class VectorStore(ABC):
    """Chunks and their embeddings, searchable by cosine similarity within one tenant.

    Safe to use from several threads at once: one thread may upsert while others search.
    """

    def __init__(self, *, dimension: int, collection: str) -> None:
        if dimension < 1:
            raise ValueError(f"dimension must be >= 1, got {dimension}")
        self.dimension = dimension
        self.collection = collection
        self._state = threading.Condition()
        self._in_flight = 0
        self._closed = False

    def upsert(
        self, chunks: Sequence[Chunk], vectors: Sequence[VectorLike] | npt.NDArray[np.floating[Any]]
    ) -> None:
        """Store chunks with their vectors, replacing points of the same (tenant, call, index)."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        rows = [as_vector(vector, self.dimension) for vector in vectors]
        if not rows:
            return
        with self._using():
            self._upsert(chunks, rows)

    def search(
        self,
        tenant_id: str,
        vector: VectorLike,
        *,
        where: ChunkFilter | None = None,
        limit: int,
    ) -> list[ChunkHit]:
        """The `limit` chunks of `tenant_id` closest to `vector`, best first."""
        validate_tenant(tenant_id)
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        query = as_vector(vector, self.dimension)
        with self._using():
            return self._search(tenant_id, query, where or ChunkFilter(), limit)

    def count(self, tenant_id: str, where: ChunkFilter | None = None) -> int:
        """How many chunks of `tenant_id` match `where` (exact)."""
        validate_tenant(tenant_id)
        with self._using():
            return self._count(tenant_id, where or ChunkFilter())

    def close(self) -> None:
        """Wait for calls in flight, then release the engine. Closing twice is harmless."""
        with self._state:
            if self._closed:
                return
            self._closed = True
            while self._in_flight:
                self._state.wait()
        self._close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _using(self) -> Iterator[None]:
        with self._state:
            if self._closed:
                raise StoreClosedError(f"vector store {self.collection!r} is closed")
            self._in_flight += 1
        try:
            yield
        finally:
            with self._state:
                self._in_flight -= 1
                if not self._in_flight:
                    self._state.notify_all()

    @abstractmethod
    def _upsert(self, chunks: Sequence[Chunk], vectors: list[list[float]]) -> None: ...

    @abstractmethod
    def _search(
        self, tenant_id: str, vector: list[float], where: ChunkFilter, limit: int
    ) -> list[ChunkHit]: ...

    @abstractmethod
    def _count(self, tenant_id: str, where: ChunkFilter) -> int: ...

    @abstractmethod
    def _close(self) -> None: ...
