"""Embedded call-transcript chunks, searchable by meaning within one tenant.

One facade, `VectorStore`, over two engines that share Qdrant's data model and scoring:

- `EdgeVectorStore`: Qdrant's engine in-process (qdrant-edge-py), persisted under a directory.
  The default: no server to run, no network hop per search.
- `QdrantClientStore`: a Qdrant server through qdrant-client (or qdrant-client's slow local
  mode, which stands in for a server in tests).

`open_vector_store` picks one from a locator (`url`, `path` or `location=":memory:"`).

Every search and count names its tenant, and the store itself adds it to the filter as a
`must` condition: a caller cannot build a query that crosses tenants. Points are keyed by a
uuid5 over (tenant, call, chunk index), so indexing a chunk again replaces it. Scores are
Qdrant's cosine similarities, best first. Payload indexes: `tenant_id` (keyword, marked as the
tenant key), `customer_id` and `call_id` (keyword), `call_started_at_us` (integer, ranges).
"""

from __future__ import annotations

from warmtransfer.rag.vector_store._base import VectorStore
from warmtransfer.rag.vector_store._client import QdrantClientStore
from warmtransfer.rag.vector_store._edge import EdgeVectorStore
from warmtransfer.rag.vector_store._model import (
    Chunk,
    ChunkFilter,
    ChunkHit,
    DimensionMismatchError,
    IncompatibleCollectionError,
    StoreClosedError,
    StoreInUseError,
    VectorStoreError,
)
from warmtransfer.rag.vector_store._open import open_vector_store

__all__ = [
    "Chunk",
    "ChunkFilter",
    "ChunkHit",
    "DimensionMismatchError",
    "EdgeVectorStore",
    "IncompatibleCollectionError",
    "QdrantClientStore",
    "StoreClosedError",
    "StoreInUseError",
    "VectorStore",
    "VectorStoreError",
    "open_vector_store",
]
