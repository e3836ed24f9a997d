"""What the vector store holds and returns, the errors it raises, and the checks both engines share.

A `Chunk` is one indexed stretch of a call's (already redacted) transcript. Its point id is a
uuid5 over (tenant, call, chunk index), so indexing the same chunk again overwrites the point.
The payload stored with each point is the chunk's fields under their own names.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "CHUNK_ID_NAMESPACE",
    "Chunk",
    "ChunkFilter",
    "ChunkHit",
    "DimensionMismatchError",
    "IncompatibleCollectionError",
    "StoreClosedError",
    "StoreInUseError",
    "VectorLike",
    "VectorStoreError",
    "as_vector",
    "chunk_from_payload",
    "chunk_payload",
    "validate_collection_name",
    "validate_tenant",
]

CHUNK_ID_NAMESPACE = uuid.UUID("6f1d3c0e-5b2a-5e4c-9a57-2f0b8e1d4c73")
"""The uuid5 namespace of chunk point ids. Changing it orphans every stored point."""

MAX_EXACT_US = 2**53
"""Largest magnitude a time bound may have: the edge engine compares ranges as float64."""

_COLLECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")

# Payload keys the engines index and filter on.
TENANT_ID = "tenant_id"
CUSTOMER_ID = "customer_id"
CALL_ID = "call_id"
CALL_STARTED_AT_US = "call_started_at_us"


class VectorStoreError(RuntimeError):
    """The engine failed, or the stored collection cannot be used as asked."""


class StoreInUseError(VectorStoreError):
    """Another process has the embedded store open: one shard serves one process."""

    def __init__(self, directory: str) -> None:
        super().__init__(
            f"the history index at {directory} is open in another process, and two servers "
            "cannot share one embedded index: give each server its own WARMTRANSFER_DATA_DIR, "
            "or point them all at one Qdrant server with QDRANT_URL"
        )


class IncompatibleCollectionError(VectorStoreError):
    """An existing collection was made with other vector parameters."""


class DimensionMismatchError(IncompatibleCollectionError):
    """An existing collection holds vectors of another dimension."""

    def __init__(self, collection: str, expected: int, actual: int) -> None:
        super().__init__(
            f"collection {collection!r} holds {actual}-dimensional vectors, "
            f"but this store was opened for dimension {expected}"
        )
        self.collection = collection
        self.expected = expected
        self.actual = actual


class StoreClosedError(VectorStoreError):
    """The store was used after `close()`."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """One indexed stretch of a call transcript, with where and when it was said."""

    tenant_id: str
    call_id: str
    customer_id: str
    """The caller's customer id, "" when unknown."""
    chunk_index: int
    """Position of the chunk in its call, from 0."""
    speaker_role: int
    speaker_identity: str
    text: str
    """Already redacted."""
    start_offset_ms: int
    end_offset_ms: int
    call_started_at_us: int
    first_seq: int
    last_seq: int

    def __post_init__(self) -> None:
        validate_tenant(self.tenant_id)
        if not self.call_id:
            raise ValueError("chunk call_id must not be empty")
        if self.chunk_index < 0:
            raise ValueError(f"chunk_index must be >= 0, got {self.chunk_index}")

    @property
    def point_id(self) -> uuid.UUID:
        """The chunk's deterministic point id: uuid5 over (tenant, call, chunk index)."""
        name = json.dumps([self.tenant_id, self.call_id, self.chunk_index])
        return uuid.uuid5(CHUNK_ID_NAMESPACE, name)


@dataclass(frozen=True, slots=True)
class ChunkHit:
    """A chunk found by a search, with its cosine similarity to the query (higher is closer)."""

    chunk: Chunk
    score: float


@dataclass(frozen=True, slots=True)
class ChunkFilter:
    """Optional narrowing of a search or count, always within one tenant.

    Time bounds are on `call_started_at_us` and form the half-open range
    `[started_at_or_after_us, started_before_us)`.
    """

    customer_id: str | None = None
    call_id: str | None = None
    exclude_call_id: str | None = None
    started_at_or_after_us: int | None = None
    started_before_us: int | None = None

    def __post_init__(self) -> None:
        # An empty id would match every chunk whose id is unknown: refuse it rather than widen.
        for name in ("customer_id", "call_id", "exclude_call_id"):
            if getattr(self, name) == "":
                raise ValueError(f"ChunkFilter.{name} must be None or a non-empty string")
        for name in ("started_at_or_after_us", "started_before_us"):
            bound = getattr(self, name)
            if bound is not None and abs(bound) > MAX_EXACT_US:
                raise ValueError(f"ChunkFilter.{name} is out of range: {bound}")


def validate_tenant(tenant_id: str) -> None:
    """Refuse an empty tenant: every point and every query belongs to exactly one tenant."""
    if not isinstance(tenant_id, str) or not tenant_id:
        raise ValueError("tenant_id must be a non-empty string")


def validate_collection_name(collection: str) -> None:
    """Refuse names that are not safe as one directory name and as a Qdrant collection name."""
    if not isinstance(collection, str) or not _COLLECTION_NAME.fullmatch(collection):
        raise ValueError(
            f"invalid collection name {collection!r}: use 1-63 characters from "
            "[A-Za-z0-9_.-], starting with a letter or digit"
        )


VectorLike = Sequence[float] | npt.NDArray[np.floating[Any]]
"""A vector as callers hold it: a list of numbers, or a numpy row (what embedders return)."""


def as_vector(vector: VectorLike, dimension: int) -> list[float]:
    """The vector as a list of floats, checked: the right length, finite, not all zeros.

    Checked as a numpy array (an embedder's row already is one); a list is what the engines take
    fastest (qdrant-edge reads a list of 1,536 floats four times faster than the array)."""
    try:
        array = np.asarray(vector, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"vector must be a sequence of numbers: {exc}") from exc
    if array.shape != (dimension,):
        size = array.shape[0] if array.ndim == 1 else array.shape
        raise ValueError(f"vector has dimension {size}, expected {dimension}")
    norm = float(np.linalg.norm(array))
    if not math.isfinite(norm) or norm == 0.0:
        raise ValueError("vector must be finite and non-zero for cosine similarity")
    values: list[float] = array.astype(np.float32).tolist()
    return values


def chunk_payload(chunk: Chunk) -> dict[str, Any]:
    """The payload stored with a chunk's point."""
    return {
        TENANT_ID: chunk.tenant_id,
        CALL_ID: chunk.call_id,
        CUSTOMER_ID: chunk.customer_id,
        "chunk_index": chunk.chunk_index,
        "speaker_role": chunk.speaker_role,
        "speaker_identity": chunk.speaker_identity,
        "text": chunk.text,
        "start_offset_ms": chunk.start_offset_ms,
        "end_offset_ms": chunk.end_offset_ms,
        CALL_STARTED_AT_US: chunk.call_started_at_us,
        "first_seq": chunk.first_seq,
        "last_seq": chunk.last_seq,
    }


def chunk_from_payload(payload: Mapping[str, Any] | None, tenant_id: str) -> Chunk:
    """The chunk a search hit's payload describes; it must belong to `tenant_id`."""
    if payload is None:
        raise VectorStoreError("search hit came back without its payload")
    if payload.get(TENANT_ID) != tenant_id:
        raise VectorStoreError("search hit belongs to another tenant")
    try:
        return Chunk(
            tenant_id=str(payload[TENANT_ID]),
            call_id=str(payload[CALL_ID]),
            customer_id=str(payload.get(CUSTOMER_ID) or ""),
            chunk_index=int(payload["chunk_index"]),
            speaker_role=int(payload["speaker_role"]),
            speaker_identity=str(payload["speaker_identity"]),
            text=str(payload["text"]),
            start_offset_ms=int(payload["start_offset_ms"]),
            end_offset_ms=int(payload["end_offset_ms"]),
            call_started_at_us=int(payload[CALL_STARTED_AT_US]),
            first_seq=int(payload["first_seq"]),
            last_seq=int(payload["last_seq"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise VectorStoreError(f"stored point has a malformed chunk payload: {exc!r}") from exc
