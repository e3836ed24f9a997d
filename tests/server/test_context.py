"""ContextService on a real server: redacted history indexed in Qdrant's embedded engine, searched
by meaning, limited to the caller's tenant, and surviving a restart mid-indexing."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest

from tests.server.helpers import AGENT, CALLER, create_call, ingest, segment
from warmtransfer.client import Client
from warmtransfer.rag.chunking import MIN_WORDS
from warmtransfer.rag.vector_store import ChunkFilter
from warmtransfer.server.app import RunningServer, start_server
from warmtransfer.server.config import load_config
from warmtransfer.server.summary_storage import CallRef
from warmtransfer.v1 import call_service_pb2, context_service_pb2

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")

Search = context_service_pb2.SearchContextRequest

CALLS = {
    "router": [
        ("agent", "thanks for calling northwind broadband, how can i help"),
        ("caller", "my name is Dana Whitfield and my router keeps dropping the wifi every evening"),
        ("agent", "i see the line resyncing about ten times a night, i'll send a technician"),
        ("caller", "okay, you can reach me on 415 555 0132 to confirm the visit"),
    ],
    "refund": [
        ("agent", "northwind billing, what can i do for you"),
        ("caller", "i was charged twice for the march invoice, forty nine ninety nine each time"),
        ("agent", "you're right, i've issued a refund for the duplicate payment"),
        ("caller", "great, how long until it shows up on my statement"),
        ("agent", "about five business days"),
    ],
    "moving": [
        ("agent", "northwind, you're through to moves and changes"),
        ("caller", "we're moving house next month and i want to take my internet with me"),
        ("agent", "no problem, i can book the transfer of service for the first of june"),
    ],
}


def lines(script: list[tuple[str, str]]) -> list[object]:
    return [
        segment(i, text, role=AGENT if who == "agent" else CALLER)
        for i, (who, text) in enumerate(script, 1)
    ]


def expected_chunks(script: list[tuple[str, str]]) -> int:
    # Every line is its own turn here (speakers alternate); short turns are not indexed.
    return sum(1 for _, text in script if len(text.split()) >= MIN_WORDS)


async def ended_call(client: Client, customer: str, script: list[tuple[str, str]]) -> str:
    call_id = await create_call(client, customer_id=customer)
    await ingest(client, call_id, lines(script))  # type: ignore[arg-type]
    await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
    return call_id


async def test_search_finds_the_right_moment_redacted(
    connect: Callable[[str], Client], server: RunningServer
) -> None:
    a = connect("key-a")
    ids = {name: await ended_call(a, "cust-1", script) for name, script in CALLS.items()}
    await server.deps.indexer.wait_idle(timeout=60)

    found = await a.context.SearchContext(Search(query="internet connection keeps cutting out"))
    best = found.snippets[0]
    assert best.call_id == ids["router"]
    assert "router keeps dropping" in best.text
    assert "Dana" not in best.text and "<PERSON>" in best.text
    assert best.speaker_role == CALLER and best.speaker_identity == "caller-1"
    assert best.call_started_at.seconds > 0
    assert [s.score for s in found.snippets] == sorted(
        (s.score for s in found.snippets), reverse=True
    )
    refund = await a.context.SearchContext(Search(query="money back for a double payment", limit=2))
    assert refund.snippets[0].call_id == ids["refund"]
    assert len(refund.snippets) == 2
    # No snippet anywhere carries the phone number that was said.
    everything = await a.context.SearchContext(Search(query="phone", limit=100))
    assert all("415" not in s.text for s in everything.snippets)
    assert any("<PHONE_NUMBER>" in s.text for s in everything.snippets)


async def test_another_tenant_never_sees_a_chunk(
    connect: Callable[[str], Client], server: RunningServer
) -> None:
    a, b = connect("key-a"), connect("key-b")
    for name, script in CALLS.items():
        await ended_call(a, f"cust-{name}", script)
    await server.deps.indexer.wait_idle(timeout=60)
    assert server.deps.indexer.vectors.count("tenant-a") == sum(
        expected_chunks(s) for s in CALLS.values()
    )
    queries = ["router", "refund", "moving house", "Dana Whitfield", "*", "tenant-a"]
    for query in queries:
        for customer in ("", "cust-router", "cust-refund"):
            found = await b.context.SearchContext(Search(query=query, customer_id=customer))
            assert list(found.snippets) == [], (query, customer)
    # The same queries in tenant A do find them: the emptiness above is not an empty index.
    assert (await a.context.SearchContext(Search(query="router"))).snippets


async def test_call_context_brings_the_customers_previous_calls(
    connect: Callable[[str], Client], server: RunningServer
) -> None:
    a = connect("key-a")
    first = await ended_call(a, "cust-9", CALLS["router"])
    second = await ended_call(a, "cust-9", CALLS["refund"])
    await ended_call(a, "cust-other", CALLS["moving"])
    now = await create_call(a, customer_id="cust-9")
    await ingest(a, now, [segment(1, "hi, the wifi is dropping again every night like before")])  # type: ignore[list-item]
    await server.deps.indexer.wait_idle(timeout=60)

    context = await a.context.GetCallContext(context_service_pb2.GetCallContextRequest(call_id=now))
    assert [p.call_id for p in context.previous_calls] == [second, first]  # newest first
    router = context.previous_calls[1]
    assert router.summary.final and router.summary.reason
    assert router.moments, "the moments of the earlier call that match this one"
    assert router.moments[0].call_id == first
    assert "router" in " ".join(m.text for m in router.moments)
    assert router.started_at.seconds > 0


async def test_bad_requests_name_the_field(connect: Callable[[str], Client]) -> None:
    a = connect("key-a")
    cases = [
        (Search(query="  "), "query"),
        (Search(query="x" * 2001), "query"),
        (Search(query="refund", limit=101), "limit"),
        (Search(query="refund", limit=-1), "limit"),
    ]
    late = Search(query="refund")
    late.start_time.FromSeconds(2_000_000_000)
    late.end_time.FromSeconds(1_000_000_000)
    cases.append((late, "end_time"))
    far = Search(query="refund")
    far.start_time.FromSeconds(200_000_000_000)
    cases.append((far, "start_time"))
    for request, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await a.context.SearchContext(request)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in (caught.value.details() or ""), field
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await a.context.GetCallContext(
            context_service_pb2.GetCallContextRequest(call_id="call_doesnotexist")
        )
    assert caught.value.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT)


async def test_a_restart_mid_indexing_loses_nothing_and_duplicates_nothing(
    server_env: dict[str, str],
) -> None:
    running = await start_server(load_config(server_env))
    client = Client(f"127.0.0.1:{running.port}", api_key="key-a")
    ids: list[str] = []
    try:
        for n in range(12):
            script = CALLS["router" if n % 2 else "refund"]
            ids.append(await ended_call(client, f"cust-{n}", script))
    finally:
        await client.close()
        await running.stop(grace=1)  # the indexer is cancelled wherever it is
    # A crash between an upsert and its progress mark: the mark of the first call is lost.
    restarted = await start_server(load_config(server_env))
    try:
        await restarted.deps.store.save_index_progress(ids[0], 0, 0)
        restarted.deps.indexer.call_changed(CallRef("tenant-a", ids[0]))
        await restarted.deps.indexer.wait_idle(timeout=120)
        vectors = restarted.deps.indexer.vectors
        for n, call_id in enumerate(ids):
            script = CALLS["router" if n % 2 else "refund"]
            assert vectors.count("tenant-a", ChunkFilter(call_id=call_id)) == expected_chunks(
                script
            ), call_id
        assert vectors.count("tenant-a") == sum(
            expected_chunks(CALLS["router" if n % 2 else "refund"]) for n in range(12)
        )
    finally:
        await restarted.stop(grace=1)
