"""The vector store facade: both engines agree with each other and with a brute-force oracle,
keep tenants apart, overwrite re-indexed chunks, persist, and take concurrent use.

The edge engine (qdrant-edge-py) runs in-process; qdrant-client's local mode stands in for a
Qdrant server. Vectors are seeded random unit vectors, so every run sees the same data.
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.qdrant_protocol import QdrantStandIn, running_qdrant
from warmtransfer.rag.vector_store import (
    Chunk,
    ChunkFilter,
    ChunkHit,
    DimensionMismatchError,
    EdgeVectorStore,
    QdrantClientStore,
    StoreClosedError,
    StoreInUseError,
    VectorStore,
    VectorStoreError,
    open_vector_store,
)

DIM = 384
TENANTS = ("tenant-a", "tenant-b", "tenant-c")
CALLS_PER_TENANT = 10
CHUNKS_PER_CALL = 10
T0_US = 1_760_000_000_000_000
HOUR_US = 3_600_000_000
TOL = 1e-4

Floats = npt.NDArray[np.float64]


def unit_vectors(count: int, seed: int) -> Floats:
    rows = np.random.default_rng(seed).standard_normal((count, DIM))
    unit: Floats = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


def rows(vectors: Floats) -> list[list[float]]:
    as_lists: list[list[float]] = vectors.tolist()
    return as_lists


def row(vector: Floats) -> list[float]:
    as_list: list[float] = vector.tolist()
    return as_list


def make_chunk(tenant: str, call: int, index: int, *, text: str | None = None) -> Chunk:
    # Call and customer ids repeat across tenants on purpose: only the tenant tells them apart.
    return Chunk(
        tenant_id=tenant,
        call_id=f"call-{call}",
        customer_id="" if call % 4 == 3 else f"customer-{call % 4}",
        chunk_index=index,
        speaker_role=1 + index % 2,
        speaker_identity="agent-7" if index % 2 else "caller",
        text=text if text is not None else f"{tenant} call {call} chunk {index}",
        start_offset_ms=index * 15_000,
        end_offset_ms=index * 15_000 + 14_000,
        call_started_at_us=T0_US + call * HOUR_US,
        first_seq=index * 3,
        last_seq=index * 3 + 2,
    )


@dataclass(frozen=True)
class Dataset:
    chunks: list[Chunk]
    vectors: Floats


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    chunks = [
        make_chunk(tenant, call, index)
        for tenant in TENANTS
        for call in range(CALLS_PER_TENANT)
        for index in range(CHUNKS_PER_CALL)
    ]
    vectors = unit_vectors(len(chunks), seed=20240611)
    # Tenant B holds exact copies of some of tenant A's vectors: a perfect match across tenants.
    per_tenant = CALLS_PER_TENANT * CHUNKS_PER_CALL
    vectors[per_tenant : per_tenant + 20] = vectors[:20]
    return Dataset(chunks, vectors)


def edge_store(tmp: Path) -> VectorStore:
    return EdgeVectorStore(tmp / "edge" / "chunks", dimension=DIM)


def client_store(tmp: Path) -> VectorStore:
    return QdrantClientStore(location=":memory:", collection="chunks", dimension=DIM)


ENGINES: dict[str, Callable[[Path], VectorStore]] = {"edge": edge_store, "client": client_store}


@pytest.fixture(scope="module")
def qdrant_server() -> Iterator[QdrantStandIn]:
    with running_qdrant() as server:
        yield server


@pytest.fixture(params=[*sorted(ENGINES), "server"])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    """Each engine: Qdrant's embedded engine, qdrant-client's local mode, and a Qdrant server
    through `QDRANT_URL`'s path (a local server that speaks Qdrant's REST API)."""
    if request.param == "server":
        server: QdrantStandIn = request.getfixturevalue("qdrant_server")
        collection = f"chunks_{len(server.payload_indexes)}"  # a fresh one per test
        asked = server.versions_answered()
        store: VectorStore = QdrantClientStore(url=server.url, collection=collection, dimension=DIM)
        assert server.payload_indexes[collection] >= {"tenant_id", "call_id", "customer_id"}
        # qdrant-client checks the server's version from a thread of its own: answered before
        # the test goes on, so no check is left running when the server stops.
        server.wait_versions_answered(asked + 1)
    else:
        store = ENGINES[request.param](tmp_path)
    yield store
    store.close()


@pytest.fixture
def store(empty_store: VectorStore, dataset: Dataset) -> VectorStore:
    # Several batches, as the indexer sends them.
    for start in range(0, len(dataset.chunks), 64):
        stop = start + 64
        empty_store.upsert(dataset.chunks[start:stop], rows(dataset.vectors[start:stop]))
    return empty_store


def oracle(
    data: Dataset, tenant: str, query: Floats, where: ChunkFilter, limit: int
) -> list[tuple[str, float]]:
    """Brute-force top-k by cosine over the chunks `where` selects in `tenant`."""

    def selected(chunk: Chunk) -> bool:
        started = chunk.call_started_at_us
        return (
            chunk.tenant_id == tenant
            and where.customer_id in (None, chunk.customer_id)
            and where.call_id in (None, chunk.call_id)
            and where.exclude_call_id != chunk.call_id
            and (where.started_at_or_after_us is None or started >= where.started_at_or_after_us)
            and (where.started_before_us is None or started < where.started_before_us)
        )

    rows = [i for i, chunk in enumerate(data.chunks) if selected(chunk)]
    scores = data.vectors[rows] @ (query / np.linalg.norm(query)) if rows else np.zeros(0)
    ranked = sorted(zip(rows, scores.tolist(), strict=True), key=lambda pair: -pair[1])
    return [(str(data.chunks[i].point_id), score) for i, score in ranked[:limit]]


def ranked(hits: list[ChunkHit]) -> list[tuple[str, float]]:
    return [(str(hit.chunk.point_id), hit.score) for hit in hits]


def assert_same_ranking(got: list[tuple[str, float]], want: list[tuple[str, float]]) -> None:
    assert [i for i, _ in got] == [i for i, _ in want]
    for (_, got_score), (_, want_score) in zip(got, want, strict=True):
        assert got_score == pytest.approx(want_score, abs=TOL)


MID_US = T0_US + 4 * HOUR_US
QUERIES: list[tuple[str, ChunkFilter, int]] = [
    ("tenant-a", ChunkFilter(), 10),
    ("tenant-b", ChunkFilter(), 1),
    ("tenant-c", ChunkFilter(), 500),
    ("tenant-a", ChunkFilter(customer_id="customer-1"), 7),
    ("tenant-b", ChunkFilter(customer_id="customer-0"), 100),
    ("tenant-a", ChunkFilter(call_id="call-3"), 5),
    ("tenant-c", ChunkFilter(call_id="call-9"), 50),
    ("tenant-a", ChunkFilter(exclude_call_id="call-0"), 15),
    ("tenant-b", ChunkFilter(customer_id="customer-2", exclude_call_id="call-2"), 20),
    ("tenant-a", ChunkFilter(started_at_or_after_us=MID_US), 12),
    ("tenant-b", ChunkFilter(started_before_us=MID_US), 12),
    (
        "tenant-c",
        ChunkFilter(started_at_or_after_us=MID_US, started_before_us=MID_US + 3 * HOUR_US),
        40,
    ),
    ("tenant-a", ChunkFilter(started_at_or_after_us=MID_US, started_before_us=MID_US), 10),
    ("tenant-a", ChunkFilter(customer_id="customer-1", started_before_us=MID_US + HOUR_US), 3),
    ("tenant-c", ChunkFilter(call_id="call-1", exclude_call_id="call-1"), 10),
    ("tenant-a", ChunkFilter(customer_id="no-such-customer"), 10),
]


def test_engines_agree_with_each_other_and_the_oracle(tmp_path: Path, dataset: Dataset) -> None:
    queries = unit_vectors(len(QUERIES), seed=7)
    queries[0] = dataset.vectors[5]  # a stored vector: its chunk must come first with score 1
    engines = [factory(tmp_path) for factory in ENGINES.values()]
    try:
        for engine in engines:
            engine.upsert(dataset.chunks, rows(dataset.vectors))
        for (tenant, where, limit), query in zip(QUERIES, queries, strict=True):
            want = oracle(dataset, tenant, query, where, limit)
            results = [
                ranked(e.search(tenant, row(query), where=where, limit=limit)) for e in engines
            ]
            assert_same_ranking(results[0], results[1])
            for got in results:
                assert_same_ranking(got, want)
            counts = {e.count(tenant, where) for e in engines}
            assert counts == {len(oracle(dataset, tenant, query, where, 10_000))}
        assert results[0] == [] and results[1] == []  # the last query matches nothing
        top = engines[0].search("tenant-a", row(dataset.vectors[5]), limit=1)[0]
        assert top.chunk == dataset.chunks[5]
        assert top.score == pytest.approx(1.0, abs=TOL)
    finally:
        for engine in engines:
            engine.close()


def test_tenants_never_see_each_other(store: VectorStore, dataset: Dataset) -> None:
    probes = [*rows(dataset.vectors[[0, 150, 250]]), *rows(unit_vectors(3, seed=11))]
    filters = [
        ChunkFilter(),
        ChunkFilter(customer_id="customer-1"),
        ChunkFilter(call_id="call-2"),
        ChunkFilter(exclude_call_id="call-2"),
        ChunkFilter(started_at_or_after_us=0, started_before_us=2**53),
    ]
    per_tenant = CALLS_PER_TENANT * CHUNKS_PER_CALL
    for tenant in TENANTS:
        assert store.count(tenant) == per_tenant
        for where in filters:
            for probe in probes:
                hits = store.search(tenant, probe, where=where, limit=1000)
                assert hits, (tenant, where)
                assert {hit.chunk.tenant_id for hit in hits} == {tenant}
    # Tenant B holds an exact copy of tenant A's vector 0; A's search finds A's chunk only.
    hits = store.search("tenant-a", row(dataset.vectors[per_tenant]), limit=per_tenant)
    assert hits[0].chunk == dataset.chunks[0]
    assert all(hit.chunk.tenant_id == "tenant-a" for hit in hits)
    assert store.count("no-such-tenant") == 0
    assert store.search("no-such-tenant", row(dataset.vectors[0]), limit=10) == []


def test_an_empty_tenant_is_refused(store: VectorStore, dataset: Dataset) -> None:
    with pytest.raises(ValueError, match="tenant_id"):
        store.search("", row(dataset.vectors[0]), limit=5)
    with pytest.raises(ValueError, match="tenant_id"):
        store.count("")
    with pytest.raises(ValueError, match="tenant_id"):
        replace(dataset.chunks[0], tenant_id="")
    with pytest.raises(ValueError, match="customer_id"):
        ChunkFilter(customer_id="")


def test_bad_vectors_and_limits_are_refused(empty_store: VectorStore, dataset: Dataset) -> None:
    chunk, vector = dataset.chunks[0], row(dataset.vectors[0])
    with pytest.raises(ValueError, match="dimension"):
        empty_store.upsert([chunk], [vector[:-1]])
    with pytest.raises(ValueError, match="non-zero"):
        empty_store.upsert([chunk], [[0.0] * DIM])
    with pytest.raises(ValueError, match="finite"):
        empty_store.search("tenant-a", [float("nan")] * DIM, limit=1)
    with pytest.raises(ValueError, match="vectors"):
        empty_store.upsert([chunk], [])
    with pytest.raises(ValueError, match="limit"):
        empty_store.search("tenant-a", vector, limit=0)
    empty_store.upsert([], [])
    assert empty_store.count("tenant-a") == 0


def test_reindexing_a_chunk_overwrites_it(empty_store: VectorStore, dataset: Dataset) -> None:
    first = dataset.chunks[:30]
    empty_store.upsert(first, rows(dataset.vectors[:30]))
    empty_store.upsert(first, rows(dataset.vectors[:30]))
    assert empty_store.count("tenant-a") == 30

    edited = replace(first[4], text="<PERSON> asked about the refund", speaker_identity="agent-9")
    assert edited.point_id == first[4].point_id
    empty_store.upsert([edited], [row(dataset.vectors[4])])
    assert empty_store.count("tenant-a") == 30
    [hit] = empty_store.search("tenant-a", row(dataset.vectors[4]), limit=1)
    assert hit.chunk == edited

    moved = row(dataset.vectors[40])  # the same point, re-embedded: the old vector is gone
    empty_store.upsert([edited], [moved])
    assert empty_store.search("tenant-a", moved, limit=1)[0].chunk == edited
    assert empty_store.search("tenant-a", row(dataset.vectors[4]), limit=1)[0].chunk != edited


def test_point_ids_are_deterministic_and_distinct(dataset: Dataset) -> None:
    ids = {chunk.point_id for chunk in dataset.chunks}
    assert len(ids) == len(dataset.chunks)
    again = make_chunk("tenant-a", 3, 4, text="different text")
    assert again.point_id == make_chunk("tenant-a", 3, 4).point_id
    assert again.point_id != make_chunk("tenant-b", 3, 4).point_id


def test_edge_store_persists_across_close_and_reopen(tmp_path: Path, dataset: Dataset) -> None:
    store = open_vector_store(path=str(tmp_path), dimension=DIM, collection="history")
    assert isinstance(store, EdgeVectorStore)
    assert store.directory == tmp_path / "history"
    store.upsert(dataset.chunks, rows(dataset.vectors))
    before = ranked(store.search("tenant-b", row(dataset.vectors[120]), limit=8))
    store.close()
    store.close()

    reopened = open_vector_store(path=str(tmp_path), dimension=DIM, collection="history")
    try:
        assert reopened.count("tenant-b") == CALLS_PER_TENANT * CHUNKS_PER_CALL
        assert ranked(reopened.search("tenant-b", row(dataset.vectors[120]), limit=8)) == before
        where = ChunkFilter(customer_id="customer-2", started_before_us=MID_US)
        assert reopened.count("tenant-c", where) == 10
    finally:
        reopened.close()


def test_an_edge_shard_is_held_by_one_store_and_a_second_is_refused(tmp_path: Path) -> None:
    first = open_vector_store(path=str(tmp_path), dimension=DIM, collection="history")
    try:
        with pytest.raises(StoreInUseError, match=r"open in another process.*QDRANT_URL"):
            open_vector_store(path=str(tmp_path), dimension=DIM, collection="history")
        # Another collection beside it is another shard: it opens.
        open_vector_store(path=str(tmp_path), dimension=DIM, collection="other").close()
    finally:
        first.close()
    # Once the first is closed, the shard opens again.
    open_vector_store(path=str(tmp_path), dimension=DIM, collection="history").close()


def test_reopening_with_another_dimension_fails_clearly(tmp_path: Path) -> None:
    EdgeVectorStore(tmp_path / "edge", dimension=DIM).close()
    with pytest.raises(DimensionMismatchError, match=r"384-dimensional.*dimension 768") as caught:
        EdgeVectorStore(tmp_path / "edge", dimension=768)
    assert (caught.value.expected, caught.value.actual) == (768, DIM)

    local = str(tmp_path / "local")
    QdrantClientStore(path=local, collection="chunks", dimension=DIM).close()
    with pytest.raises(DimensionMismatchError, match=r"384-dimensional.*dimension 128"):
        QdrantClientStore(path=local, collection="chunks", dimension=128)
    reopened = QdrantClientStore(path=local, collection="chunks", dimension=DIM)
    reopened.close()


def test_memory_location_is_an_edge_store_deleted_at_close() -> None:
    store = open_vector_store(location=":memory:", dimension=DIM, collection="scratch")
    assert isinstance(store, EdgeVectorStore)
    assert store.directory.name == "scratch"
    assert store.directory.is_dir()
    store.upsert([make_chunk("tenant-a", 0, 0)], rows(unit_vectors(1, seed=3)))
    assert store.count("tenant-a") == 1
    store.close()
    assert not store.directory.parent.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of location, path or url; got none"),
        ({"path": "x", "url": "http://127.0.0.1:6333"}, "got path and url"),
        ({"location": ":memory:", "path": "x"}, "got location and path"),
        ({"location": ":memory:", "path": "x", "url": "http://q"}, "got location and path and url"),
        ({"location": "/var/lib/vectors"}, "use path= for a directory"),
        ({"path": "x", "api_key": "secret"}, "api_key is only used"),
        ({"location": ":memory:", "api_key": "secret"}, "api_key is only used"),
        ({"path": ""}, "path must not be empty"),
        ({"url": ""}, "url must not be empty"),
        ({"path": "x", "collection": "../escape"}, "invalid collection name"),
        ({"path": "x", "collection": "a/b"}, "invalid collection name"),
        ({"path": "x", "collection": ".hidden"}, "invalid collection name"),
        ({"path": "x", "collection": ""}, "invalid collection name"),
        ({"path": "x", "collection": "c" * 64}, "invalid collection name"),
        ({"path": "x", "dimension": 0}, "dimension must be >= 1"),
    ],
)
def test_bad_locators_fail_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    args: dict[str, object] = {"dimension": DIM, "collection": "chunks", **kwargs}
    with pytest.raises(ValueError, match=message):
        open_vector_store(**args)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_client_store_locators(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one of url, path or location"):
        QdrantClientStore(collection="c", dimension=DIM)
    with pytest.raises(ValueError, match="got url, path"):
        QdrantClientStore(collection="c", dimension=DIM, url="http://q", path=str(tmp_path))
    with pytest.raises(ValueError, match="location must be"):
        QdrantClientStore(collection="c", dimension=DIM, location="somewhere")
    with pytest.raises(ValueError, match="api_key"):
        QdrantClientStore(collection="c", dimension=DIM, path=str(tmp_path), api_key="k")


@pytest.mark.filterwarnings("ignore::UserWarning")  # qdrant-client's version check warns first
@pytest.mark.parametrize("locator", ["url", "location"])
def test_a_url_opens_a_server_store(locator: str) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(VectorStoreError, match="cannot prepare collection 'chunks'"):
        open_vector_store(**{locator: url}, dimension=DIM, collection="chunks")
    # qdrant-client checks the server version on a thread of its own, which warns when the
    # server is unreachable: let it finish here, where its warning is expected.
    for thread in threading.enumerate():
        if thread.name.endswith("(_check_compatibility)"):
            thread.join(timeout=30)


def test_a_closed_store_refuses_calls(empty_store: VectorStore, dataset: Dataset) -> None:
    empty_store.close()
    assert empty_store.closed
    with pytest.raises(StoreClosedError):
        empty_store.search("tenant-a", row(dataset.vectors[0]), limit=1)
    with pytest.raises(StoreClosedError):
        empty_store.upsert(dataset.chunks[:1], rows(dataset.vectors[:1]))
    with pytest.raises(StoreClosedError):
        empty_store.count("tenant-a")


@pytest.mark.slow
def test_upserts_from_one_thread_while_others_search(empty_store: VectorStore) -> None:
    batches, batch_size = 20, 25
    chunks = [make_chunk("tenant-a", call, i) for call in range(batches) for i in range(batch_size)]
    vectors = rows(unit_vectors(len(chunks), seed=99))
    writer_done = threading.Event()
    errors: list[BaseException] = []
    seen: list[int] = []

    def write() -> None:
        try:
            for start in range(0, len(chunks), batch_size):
                stop = start + batch_size
                empty_store.upsert(chunks[start:stop], vectors[start:stop])
        except BaseException as exc:
            errors.append(exc)
        finally:
            writer_done.set()

    def read(seed: int) -> None:
        probes = rows(unit_vectors(8, seed=seed))
        try:
            for n in itertools.count():
                finished = writer_done.is_set()  # then this round reads the final state
                where = ChunkFilter(customer_id="customer-1") if n % 2 else None
                hits = empty_store.search("tenant-a", probes[n % 8], where=where, limit=5)
                assert all(hit.chunk.tenant_id == "tenant-a" for hit in hits)
                seen.append(empty_store.count("tenant-a"))
                if finished and n >= 8:
                    break
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write)]
    threads += [threading.Thread(target=read, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert empty_store.count("tenant-a") == len(chunks)
    assert seen and max(seen) == len(chunks)


def test_close_waits_for_searches_in_flight(empty_store: VectorStore) -> None:
    empty_store.upsert(
        [make_chunk("tenant-a", 0, i) for i in range(50)], rows(unit_vectors(50, seed=5))
    )
    probe = row(unit_vectors(1, seed=6)[0])
    started = threading.Barrier(3)
    outcomes: list[str] = []
    lock = threading.Lock()

    def search() -> None:
        started.wait()
        while True:
            try:
                empty_store.search("tenant-a", probe, limit=3)
            except StoreClosedError:
                with lock:
                    outcomes.append("closed")
                return
            except BaseException as exc:
                with lock:
                    outcomes.append(repr(exc))
                return

    threads = [threading.Thread(target=search) for _ in range(2)]
    for thread in threads:
        thread.start()
    started.wait()
    empty_store.close()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == ["closed", "closed"]
