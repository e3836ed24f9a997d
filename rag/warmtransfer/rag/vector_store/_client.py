"""The store on a Qdrant server through qdrant-client, or on qdrant-client's local mode.

Local mode (`path` or `":memory:"`) is qdrant-client's pure-Python engine: slow, but the same
data model and scoring, which makes it a stand-in for a server in tests. It is not documented
as thread-safe, so calls to it are serialised here; a server takes concurrent calls as they
come. Local mode ignores payload indexes (and warns if asked for them), so they are created on
servers only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext

from qdrant_client import QdrantClient, models

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
    IncompatibleCollectionError,
    VectorStoreError,
    chunk_from_payload,
    chunk_payload,
    validate_collection_name,
)

__all__ = ["QdrantClientStore"]

MEMORY = ":memory:"


class QdrantClientStore(VectorStore):
    """Chunks in a Qdrant collection, created if missing (cosine, `dimension`).

    Give exactly one of `url` (a Qdrant server, with `api_key` if it needs one), `path` (local
    mode persisted in a directory) or `location=":memory:"` (local mode in memory).
    """

    def __init__(
        self,
        *,
        collection: str,
        dimension: int,
        url: str | None = None,
        api_key: str | None = None,
        path: str | None = None,
        location: str | None = None,
        timeout: int | None = None,
    ) -> None:
        validate_collection_name(collection)
        super().__init__(dimension=dimension, collection=collection)
        given = [
            n for n, v in (("url", url), ("path", path), ("location", location)) if v is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "QdrantClientStore needs exactly one of url, path or location=':memory:'"
                + (f", got {', '.join(given)}" if given else "")
            )
        if location is not None and location != MEMORY:
            raise ValueError(f"QdrantClientStore location must be {MEMORY!r}, got {location!r}")
        if api_key is not None and url is None:
            raise ValueError("api_key is only used with url")
        self._local = url is None
        self._lock: AbstractContextManager[object] = (
            threading.Lock() if self._local else nullcontext()
        )
        try:
            if url is not None:
                self._client = QdrantClient(url=url, api_key=api_key, timeout=timeout)
            elif path is not None:
                self._client = QdrantClient(path=path)
            else:
                self._client = QdrantClient(location=MEMORY)
        except Exception as exc:
            raise VectorStoreError(f"cannot open Qdrant ({given[0]}): {exc}") from exc
        try:
            self._prepare_collection()
        except BaseException:
            self._client.close()
            raise

    def _prepare_collection(self) -> None:
        name = self.collection
        try:
            if not self._client.collection_exists(name):
                try:
                    self._client.create_collection(
                        name,
                        vectors_config=models.VectorParams(
                            size=self.dimension, distance=models.Distance.COSINE
                        ),
                    )
                except Exception:
                    if not self._client.collection_exists(name):  # not lost to a racing creator
                        raise
            vectors = self._client.get_collection(name).config.params.vectors
        except Exception as exc:
            raise VectorStoreError(f"cannot prepare collection {name!r}: {exc}") from exc
        if not isinstance(vectors, models.VectorParams):
            raise IncompatibleCollectionError(
                f"collection {name!r} uses named vectors; expected one unnamed vector"
            )
        if vectors.size != self.dimension:
            raise DimensionMismatchError(name, self.dimension, vectors.size)
        if vectors.distance != models.Distance.COSINE:
            raise IncompatibleCollectionError(
                f"collection {name!r} uses {vectors.distance.value} distance; expected Cosine"
            )
        if self._local:
            return
        try:
            for field, schema in _INDEXES:
                self._client.create_payload_index(name, field, field_schema=schema, wait=True)
        except Exception as exc:
            raise VectorStoreError(f"cannot index collection {name!r}: {exc}") from exc

    @contextmanager
    def _call(self, what: str) -> Iterator[None]:
        with self._lock:
            try:
                yield
            except VectorStoreError:
                raise
            except Exception as exc:
                raise VectorStoreError(f"qdrant {what} failed: {exc}") from exc

    def _upsert(self, chunks: Sequence[Chunk], vectors: list[list[float]]) -> None:
        points = [
            models.PointStruct(id=str(chunk.point_id), vector=vector, payload=chunk_payload(chunk))
            for chunk, vector in zip(chunks, vectors, strict=True)
        ]
        with self._call("upsert"):
            self._client.upsert(self.collection, points, wait=True)

    def _search(
        self, tenant_id: str, vector: list[float], where: ChunkFilter, limit: int
    ) -> list[ChunkHit]:
        with self._call("search"):
            response = self._client.query_points(
                self.collection,
                query=vector,
                query_filter=_filter(tenant_id, where),
                limit=limit,
                with_payload=True,
            )
        return [
            ChunkHit(chunk_from_payload(p.payload, tenant_id), p.score) for p in response.points
        ]

    def _count(self, tenant_id: str, where: ChunkFilter) -> int:
        with self._call("count"):
            result = self._client.count(
                self.collection, count_filter=_filter(tenant_id, where), exact=True
            )
        return result.count

    def _close(self) -> None:
        with self._lock:
            self._client.close()


_INDEXES: tuple[tuple[str, models.PayloadSchemaType | models.PayloadSchemaParams], ...] = (
    (TENANT_ID, models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True)),
    (CUSTOMER_ID, models.PayloadSchemaType.KEYWORD),
    (CALL_ID, models.PayloadSchemaType.KEYWORD),
    (
        CALL_STARTED_AT_US,
        models.IntegerIndexParams(type=models.IntegerIndexType.INTEGER, lookup=True, range=True),
    ),
)


def _filter(tenant_id: str, where: ChunkFilter) -> models.Filter:
    must: list[models.Condition] = [
        models.FieldCondition(key=TENANT_ID, match=models.MatchValue(value=tenant_id))
    ]
    must_not: list[models.Condition] = []
    if where.customer_id is not None:
        must.append(
            models.FieldCondition(key=CUSTOMER_ID, match=models.MatchValue(value=where.customer_id))
        )
    if where.call_id is not None:
        must.append(
            models.FieldCondition(key=CALL_ID, match=models.MatchValue(value=where.call_id))
        )
    if where.exclude_call_id is not None:
        must_not.append(
            models.FieldCondition(key=CALL_ID, match=models.MatchValue(value=where.exclude_call_id))
        )
    if where.started_at_or_after_us is not None or where.started_before_us is not None:
        span = models.Range(gte=where.started_at_or_after_us, lt=where.started_before_us)
        must.append(models.FieldCondition(key=CALL_STARTED_AT_US, range=span))
    return models.Filter(must=must, must_not=must_not or None)
