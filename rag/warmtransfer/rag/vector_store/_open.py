"""Choosing a store from where the chunks live, after qdrant-client's own locators."""

from __future__ import annotations

from pathlib import Path

from warmtransfer.rag.vector_store._base import VectorStore
from warmtransfer.rag.vector_store._client import MEMORY, QdrantClientStore
from warmtransfer.rag.vector_store._edge import EdgeVectorStore
from warmtransfer.rag.vector_store._model import validate_collection_name

__all__ = ["open_vector_store"]


def open_vector_store(
    *,
    location: str | None = None,
    path: str | None = None,
    url: str | None = None,
    api_key: str | None = None,
    dimension: int,
    collection: str,
) -> VectorStore:
    """Open (creating if needed) the store named by exactly one locator.

    - `url` (with `api_key` if the server needs one), or a `location` that is an http(s) URL:
      a `QdrantClientStore` on that Qdrant server.
    - `path`: an `EdgeVectorStore` persisted under `path/collection`.
    - `location=":memory:"`: an `EdgeVectorStore` in a temporary directory that `close()`
      deletes, so tests and throwaway runs use the same engine as production.
    """
    validate_collection_name(collection)
    if dimension < 1:
        raise ValueError(f"dimension must be >= 1, got {dimension}")
    given = [n for n, v in (("location", location), ("path", path), ("url", url)) if v is not None]
    if len(given) != 1:
        raise ValueError(
            "open_vector_store needs exactly one of location, path or url"
            + (f"; got {' and '.join(given)}" if given else "; got none")
        )
    if location is not None:
        if location.startswith(("http://", "https://")):
            url = location
        elif location != MEMORY:
            raise ValueError(
                f"location must be {MEMORY!r} or an http(s) URL, got {location!r}; "
                "use path= for a directory"
            )
    if url is not None:
        if not url:
            raise ValueError("url must not be empty")
        return QdrantClientStore(
            url=url, api_key=api_key, collection=collection, dimension=dimension
        )
    if api_key is not None:
        raise ValueError("api_key is only used with a Qdrant server url")
    if path is not None:
        if not path:
            raise ValueError("path must not be empty")
        return EdgeVectorStore(Path(path) / collection, dimension=dimension)
    return EdgeVectorStore.temporary(dimension=dimension, collection=collection)
