"""The store on Qdrant's own engine in-process (qdrant-edge-py), persisted under one directory.

Facts about the engine this relies on (qdrant-edge-py 0.9.0):

- `EdgeShard.create` refuses a directory that already holds segments; `EdgeShard.load` reopens
  one, and with a config it checks the stored vectors against it. The config, the payload
  indexes and the points survive close and reopen; creating an index that exists is a no-op.
- Only one `EdgeShard` may hold a directory at a time (the write-ahead log is locked).
- The shard synchronises internally (a lock on its segments, another on its write-ahead log)
  and the binding releases the GIL while it works, so one thread may upsert while others
  search without a lock here.
- Range conditions are `RangeFloat` only (float64), hence the time-bound limit of 2**53 us.
- Nothing is optimised in the background: points stay in plain, exactly searched segments until
  `optimize()` builds the HNSW and payload-aware indexes, blocking the caller.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from warmtransfer.rag.vector_store._base import VectorStore
from warmtransfer.rag.vector_store._model import (
    CALL_ID,
    CALL_STARTED_AT_US,
    CUSTOMER_ID,
    TENANT_ID,
    Chunk,
    ChunkFilter,
    ChunkHit,
    DimensionMismatchError,
    StoreInUseError,
    VectorStoreError,
    chunk_from_payload,
    chunk_payload,
    validate_collection_name,
)

__all__ = ["EdgeVectorStore"]

_CONFIG_FILE = "edge_config.json"


class EdgeVectorStore(VectorStore):
    """Chunks in an edge shard under `directory`, created on first use and reopened after."""

    def __init__(self, directory: str | Path, *, dimension: int) -> None:
        self.directory = Path(directory)
        super().__init__(dimension=dimension, collection=self.directory.name)
        self._cleanup: weakref.finalize[[str, bool], Any] | None = None
        self._lock = _lock_beside(self.directory)
        try:
            self._open(dimension)
        except BaseException:
            os.close(self._lock)
            raise

    def _open(self, dimension: int) -> None:
        config = qe.EdgeConfig(
            vectors=qe.EdgeVectorParams(size=dimension, distance=qe.Distance.Cosine)
        )
        fresh = not self.directory.exists() or not any(self.directory.iterdir())
        try:
            if fresh:
                self._shard = qe.EdgeShard.create(str(self.directory), config)
            else:
                self._shard = qe.EdgeShard.load(str(self.directory), config)
        except Exception as exc:
            stored = None if fresh else _stored_dimension(self.directory)
            if stored is not None and stored != dimension:
                raise DimensionMismatchError(str(self.directory), dimension, stored) from exc
            raise VectorStoreError(f"cannot open edge shard at {self.directory}: {exc}") from exc
        try:
            for field, schema in _INDEXES:
                self._shard.update(qe.UpdateOperation.create_field_index(field, schema))
        except Exception as exc:
            self._shard.close()
            raise VectorStoreError(f"cannot index edge shard at {self.directory}: {exc}") from exc

    @classmethod
    def temporary(cls, *, dimension: int, collection: str = "chunks") -> EdgeVectorStore:
        """A store in a new temporary directory, deleted when the store is closed."""
        validate_collection_name(collection)
        root = tempfile.mkdtemp(prefix="warmtransfer-vectors-")
        try:
            store = cls(Path(root) / collection, dimension=dimension)
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        store._cleanup = weakref.finalize(store, shutil.rmtree, root, True)
        return store

    def optimize(self) -> bool:
        """Build the search indexes over what is stored (blocking); True if anything changed."""
        with self._using():
            try:
                return self._shard.optimize()
            except Exception as exc:
                raise VectorStoreError(f"edge optimize failed: {exc}") from exc

    def _upsert(self, chunks: Sequence[Chunk], vectors: list[list[float]]) -> None:
        points = [
            qe.Point(chunk.point_id, vector, chunk_payload(chunk))
            for chunk, vector in zip(chunks, vectors, strict=True)
        ]
        try:
            self._shard.update(qe.UpdateOperation.upsert_points(points))
        except Exception as exc:
            raise VectorStoreError(f"edge upsert failed: {exc}") from exc

    def _search(
        self, tenant_id: str, vector: list[float], where: ChunkFilter, limit: int
    ) -> list[ChunkHit]:
        request = qe.QueryRequest(
            query=qe.Query.Nearest(vector),
            filter=_filter(tenant_id, where),
            limit=limit,
            with_payload=True,
        )
        try:
            points = self._shard.query(request)
        except Exception as exc:
            raise VectorStoreError(f"edge search failed: {exc}") from exc
        return [ChunkHit(chunk_from_payload(p.payload, tenant_id), p.score) for p in points]

    def _count(self, tenant_id: str, where: ChunkFilter) -> int:
        try:
            return self._shard.count(qe.CountRequest(exact=True, filter=_filter(tenant_id, where)))
        except Exception as exc:
            raise VectorStoreError(f"edge count failed: {exc}") from exc

    def _close(self) -> None:
        try:
            self._shard.flush()
        finally:
            self._shard.close()
            os.close(self._lock)
            if self._cleanup is not None:
                self._cleanup()


def _lock_beside(directory: Path) -> int:
    """Hold an exclusive lock on a file beside the shard while it is open, so a second process
    gets a clear error instead of the engine's own ("Can't init WAL: WouldBlock")."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory.parent / f".{directory.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreInUseError(str(directory)) from None
    return fd


_INDEXES: tuple[tuple[str, Any], ...] = (
    (TENANT_ID, qe.KeywordIndexParams(is_tenant=True)),
    (CUSTOMER_ID, qe.KeywordIndexParams()),
    (CALL_ID, qe.KeywordIndexParams()),
    (CALL_STARTED_AT_US, qe.IntegerIndexParams(lookup=True, range=True)),
)


def _filter(tenant_id: str, where: ChunkFilter) -> qe.Filter:
    must: list[Any] = [qe.FieldCondition(TENANT_ID, match=qe.MatchValue(tenant_id))]
    must_not: list[Any] = []
    if where.customer_id is not None:
        must.append(qe.FieldCondition(CUSTOMER_ID, match=qe.MatchValue(where.customer_id)))
    if where.call_id is not None:
        must.append(qe.FieldCondition(CALL_ID, match=qe.MatchValue(where.call_id)))
    if where.exclude_call_id is not None:
        must_not.append(qe.FieldCondition(CALL_ID, match=qe.MatchValue(where.exclude_call_id)))
    if where.started_at_or_after_us is not None or where.started_before_us is not None:
        gte, lt = where.started_at_or_after_us, where.started_before_us
        span = qe.RangeFloat(
            gte=None if gte is None else float(gte), lt=None if lt is None else float(lt)
        )
        must.append(qe.FieldCondition(CALL_STARTED_AT_US, range=span))
    return qe.Filter(must=must, must_not=must_not or None)


def _stored_dimension(directory: Path) -> int | None:
    """The dimension recorded in an existing shard's config, if it can be read."""
    try:
        config = json.loads((directory / _CONFIG_FILE).read_text())
        return int(config["vectors"][""]["size"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
