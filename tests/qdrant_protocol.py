"""A local server that speaks Qdrant's REST API (the part qdrant-client uses for call history),
for tests of `QDRANT_URL` with no Qdrant server to run here.

Requests are read into qdrant-client's own models (generated from Qdrant's OpenAPI schema), so
a body the real server would refuse is refused here too, and answered by qdrant-client's local
mode: the same data model, filters and scoring as the server, in memory. Answers use the
server's envelope (`{"result": …, "status": "ok", "time": …}`); an error is a 4xx with
`{"status": {"error": …}}`, as the server sends. Payload indexes are accepted and recorded (local
mode has none: it reads every point).

It runs in a thread of its own (an aiohttp application on its own event loop), so the clients
that call it synchronously may share the test's event loop or live in other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError
from qdrant_client import QdrantClient, models

VERSION = "1.20.0"  # what the root answers: qdrant-client checks it is compatible


def _answer(result: Any, started: float) -> web.Response:
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json", exclude_none=True)
    return web.json_response(
        {"result": result, "status": "ok", "time": time.perf_counter() - started}
    )


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"status": {"error": message}, "time": 0.0}, status=status)


@dataclass
class QdrantStandIn:
    """What the stand-in has been asked, for tests to look at."""

    url: str = ""
    payload_indexes: dict[str, set[str]] = field(default_factory=dict)  # collection -> fields
    requests: list[str] = field(default_factory=list)  # "METHOD path" of each request
    _local: QdrantClient = field(default_factory=lambda: QdrantClient(location=":memory:"))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _versions_asked: threading.Condition = field(default_factory=threading.Condition)
    _versions_answered: int = 0

    def versions_answered(self) -> int:
        with self._versions_asked:
            return self._versions_answered

    def wait_versions_answered(self, count: int, timeout: float = 30) -> None:
        """Wait until the root (the version a new client checks, from a thread of its own) has
        been answered `count` times: a client made then closed at once has had its answer."""
        with self._versions_asked:
            if not self._versions_asked.wait_for(lambda: self._versions_answered >= count, timeout):
                raise TimeoutError(f"the version was asked {self._versions_answered} times")

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/", self._root)
        app.router.add_get("/collections/{name}/exists", self._exists)
        app.router.add_put("/collections/{name}", self._create)
        app.router.add_get("/collections/{name}", self._info)
        app.router.add_put("/collections/{name}/index", self._index)
        app.router.add_put("/collections/{name}/points", self._upsert)
        app.router.add_post("/collections/{name}/points/query", self._query)
        app.router.add_post("/collections/{name}/points/count", self._count)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(f"{request.method} {request.path}")
        try:
            response: web.StreamResponse = await handler(request)
            return response
        except ValidationError as exc:
            return _error(400, f"Format error in JSON body: {exc}")
        except (ValueError, KeyError) as exc:
            return _error(404 if "not found" in str(exc).lower() else 400, str(exc))

    def _run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        with self._lock:  # local mode is not thread-safe
            return fn(*args, **kwargs)

    async def _root(self, request: web.Request) -> web.Response:
        response = web.json_response({"title": "qdrant - vector search engine", "version": VERSION})
        with self._versions_asked:
            self._versions_answered += 1
            self._versions_asked.notify_all()
        return response

    async def _exists(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        exists = self._run(self._local.collection_exists, request.match_info["name"])
        return _answer({"exists": exists}, started)

    async def _create(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        name = request.match_info["name"]
        body = models.CreateCollection.model_validate(await request.json())
        if self._run(self._local.collection_exists, name):
            return _error(409, f"Wrong input: Collection `{name}` already exists!")
        self._run(self._local.create_collection, name, vectors_config=body.vectors)
        return _answer(True, started)

    async def _info(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        name = request.match_info["name"]
        if not self._run(self._local.collection_exists, name):
            return _error(404, f"Not found: Collection `{name}` doesn't exist!")
        return _answer(self._run(self._local.get_collection, name), started)

    async def _index(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        body = models.CreateFieldIndex.model_validate(await request.json())
        self.payload_indexes.setdefault(request.match_info["name"], set()).add(body.field_name)
        return _answer(
            models.UpdateResult(operation_id=0, status=models.UpdateStatus.COMPLETED), started
        )

    async def _upsert(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        body = models.PointsList.model_validate(await request.json())
        result = self._run(self._local.upsert, request.match_info["name"], points=body.points)
        return _answer(result, started)

    async def _query(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        body = models.QueryRequest.model_validate(await request.json())
        result = self._run(
            self._local.query_points,
            request.match_info["name"],
            query=body.query,
            query_filter=body.filter,
            limit=body.limit or 10,
            offset=body.offset,
            with_payload=body.with_payload if body.with_payload is not None else False,
            with_vectors=body.with_vector if body.with_vector is not None else False,
            score_threshold=body.score_threshold,
        )
        return _answer(result, started)

    async def _count(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        body = models.CountRequest.model_validate(await request.json())
        result = self._run(
            self._local.count,
            request.match_info["name"],
            count_filter=body.filter,
            exact=body.exact if body.exact is not None else True,
        )
        return _answer(result, started)


@contextlib.contextmanager
def running_qdrant() -> Iterator[QdrantStandIn]:
    """The stand-in on a free loopback port, in a thread of its own; `url` says where."""
    stand_in = QdrantStandIn()
    ready = threading.Event()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(stand_in.app(), shutdown_timeout=0.1)

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        stand_in.url = f"http://127.0.0.1:{port}"
        ready.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, name="qdrant-stand-in", daemon=True)
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("the Qdrant stand-in did not start")
    try:
        yield stand_in
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        stand_in._local.close()
