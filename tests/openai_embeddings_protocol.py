"""A local server speaking the OpenAI embeddings protocol (`POST /v1/embeddings`), whose answers
a test scripts: vectors, an HTTP error, or silence. It records every request and its headers.

Its vectors are deterministic per input text and deliberately not unit length, and it lists
them in reverse order (the protocol orders by each item's `index`, not by position), so tests
see the client normalise and reorder. Like the real API it answers base64 (little-endian
float32) when the request asks for `encoding_format: base64`, a list of floats otherwise.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiohttp import web

from tests.local_http import serving

MODEL_DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072}

Answer = Callable[[dict[str, Any]], Any]
"""Given a request body: "vectors" (the default answer), an int (an HTTP error status), None
(never answer), or a list of response items (sent as the `data` as is)."""


def vector_for(text: str, dimension: int) -> list[float]:
    """The server's vector for `text`: deterministic, not normalised."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    values: list[float] = (np.random.default_rng(seed).normal(size=dimension) * 3.0).tolist()
    return values


def encode(vector: list[float], encoding_format: str) -> str | list[float]:
    if encoding_format == "base64":
        return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode()
    return vector


def items(body: dict[str, Any], encoding_format: str | None = None) -> list[dict[str, Any]]:
    """The default answer's `data` for a request, in reverse order; in the requested encoding
    unless `encoding_format` overrides it."""
    dimension = body.get("dimensions") or MODEL_DIMENSIONS.get(body["model"], 8)
    fmt = encoding_format or body.get("encoding_format", "float")
    return [
        {"object": "embedding", "index": i, "embedding": encode(vector_for(t, dimension), fmt)}
        for i, t in reversed(list(enumerate(body["input"])))
    ]


@dataclass
class EmbeddingsServer:
    answer: Answer = field(default=lambda body: "vectors")
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    request_seen: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def _embeddings(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        self.request_seen.set()
        reply = self.answer(body)
        if reply is None:
            await self.release.wait()
            return web.json_response({"error": {"message": "released"}}, status=503)
        if isinstance(reply, int):
            return web.json_response({"error": {"message": "scripted failure"}}, status=reply)
        data = items(body) if reply == "vectors" else reply
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
        )

    def inputs(self) -> list[list[str]]:
        return [body["input"] for body in self.requests]


@contextlib.asynccontextmanager
async def running_embeddings(answer: Answer | None = None) -> AsyncIterator[EmbeddingsServer]:
    server = EmbeddingsServer() if answer is None else EmbeddingsServer(answer=answer)
    app = web.Application()
    app.router.add_post("/v1/embeddings", server._embeddings)
    async with serving(app) as port:
        server.url = f"http://127.0.0.1:{port}/v1"
        try:
            yield server
        finally:
            server.release.set()
