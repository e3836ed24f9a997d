"""Two server replicas on one PostgreSQL database and one Redis: what one stores, watchers on the
other see at once, and a watcher that moves to the other replica resumes from its cursor with no
gap and no repeat. Real servers on free ports, real PostgreSQL, real Redis."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import psycopg
import pytest
from livekit import api

from tests.livekit_server import LiveKitServer
from tests.qdrant_protocol import running_qdrant
from tests.redis_server import RedisServer, running_redis
from tests.server.helpers import AGENT, config, create_call, ingest, requests_of, segment
from tests.server.processes import free_port
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer, start_server
from warmtransfer.server.config import load_config
from warmtransfer.server.ingest import MAX_IN_FLIGHT
from warmtransfer.v1 import (
    call_pb2,
    call_service_pb2,
    context_service_pb2,
    transcript_service_pb2,
)

STORE_ENGINES = ("postgresql",)
WatchCallResponse = transcript_service_pb2.WatchCallResponse
Request = transcript_service_pb2.StreamTranscriptRequest
SECRET = "replicas-share-this-secret"


@contextlib.asynccontextmanager
async def running_replicas(
    env: dict[str, str], tmp_path: Path
) -> AsyncIterator[list[RunningServer]]:
    running: list[RunningServer] = []
    try:
        for n in range(2):
            here = env | {"WARMTRANSFER_DATA_DIR": str(tmp_path / f"replica-{n}")}
            running.append(await start_server(load_config(here)))
        yield running
    finally:
        for server in running:
            await server.stop(grace=1)


@pytest.fixture
async def replicas(
    server_env: dict[str, str], redis_server: RedisServer, tmp_path: Path
) -> AsyncIterator[list[RunningServer]]:
    env = server_env | {"REDIS_URL": redis_server.url, "WARMTRANSFER_INGEST_SECRET": SECRET}
    async with running_replicas(env, tmp_path) as both:
        yield both


@pytest.fixture
async def clients(replicas: list[RunningServer]) -> AsyncIterator[list[Client]]:
    made = [Client(f"127.0.0.1:{server.port}", api_key="key-a") for server in replicas]
    yield made
    for client in made:
        await client.close()


async def collect(
    client: Client,
    call_id: str,
    until: Callable[[list[WatchCallResponse]], bool],
    *,
    after_cursor: str = "",
    started: asyncio.Event | None = None,
) -> list[WatchCallResponse]:
    """Watch the call until `until(events so far)` holds (30 s at most); `started` is set at the
    first event (the watcher is subscribed by then)."""
    events: list[WatchCallResponse] = []

    async def watch() -> None:
        request = transcript_service_pb2.WatchCallRequest(
            call_id=call_id, after_cursor=after_cursor
        )
        stream = client.transcripts.WatchCall(request)
        async for event in stream:
            events.append(event)
            if started is not None:
                started.set()
            if until(events):
                stream.cancel()
                return
        raise AssertionError("the watch ended early")

    await asyncio.wait_for(watch(), 30)
    return events


async def subscribed(started: asyncio.Event, watching: asyncio.Task[object]) -> None:
    """Wait until the watcher has its first event; if the watch ends first, raise what ended
    it, and give up after 30 s (never wait for a watch that cannot start)."""
    waiter = asyncio.create_task(started.wait())
    done, _ = await asyncio.wait(
        {waiter, watching}, timeout=30, return_when=asyncio.FIRST_COMPLETED
    )
    waiter.cancel()
    if watching in done and not started.is_set():
        watching.result()
    assert started.is_set(), "the watcher had no event within 30 s"


def added(events: list[WatchCallResponse]) -> list[int]:
    return [e.segment_added.segment.seq for e in events if e.HasField("segment_added")]


async def test_a_watcher_on_one_replica_sees_what_the_other_stores(clients: list[Client]) -> None:
    a, b = clients
    call_id = await create_call(a)
    started = asyncio.Event()
    watching = asyncio.create_task(
        collect(b, call_id, lambda events: added(events) == [1, 2, 3, 4, 5], started=started)
    )
    await subscribed(started, watching)
    await ingest(a, call_id, [segment(seq) for seq in range(1, 6)])
    events = await asyncio.wait_for(watching, 60)
    assert added(events) == [1, 2, 3, 4, 5]
    cursors = [int(e.cursor) for e in events]
    assert cursors == sorted(set(cursors))


async def test_interims_reach_watchers_on_the_other_replica(clients: list[Client]) -> None:
    a, b = clients
    call_id = await create_call(a)
    started = asyncio.Event()
    watching = asyncio.create_task(
        collect(
            b,
            call_id,
            lambda events: any(e.HasField("segment_interim") for e in events),
            started=started,
        )
    )
    await subscribed(started, watching)
    stream = a.transcripts.StreamTranscript(
        requests_of([config(call_id), segment(1, "I was charged tw", final=False)])
    )
    async for _ in stream:
        pass
    events = await asyncio.wait_for(watching, 60)
    interims = [e.segment_interim.segment.text for e in events if e.HasField("segment_interim")]
    assert interims == ["I was charged tw"]


async def test_a_watcher_moving_to_the_other_replica_resumes_from_its_cursor(
    clients: list[Client],
) -> None:
    a, b = clients
    call_id = await create_call(a)
    await ingest(a, call_id, [segment(seq) for seq in range(1, 4)])
    first = await collect(a, call_id, lambda events: added(events) == [1, 2, 3])
    # The client reconnects to the other replica with its last cursor, while more arrives
    # through the first one.
    watching = asyncio.create_task(
        collect(b, call_id, lambda events: 6 in added(events), after_cursor=first[-1].cursor)
    )
    await ingest(a, call_id, [segment(seq) for seq in range(4, 7)])
    second = await asyncio.wait_for(watching, 60)
    assert added(first) + added(second) == [1, 2, 3, 4, 5, 6]
    cursors = [int(e.cursor) for e in first + second]
    assert cursors == sorted(set(cursors)), "no event twice, in cursor order"


async def test_replicas_keep_waking_each_other_after_redis_restarts(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    with contextlib.ExitStack() as redis_servers:
        redis = redis_servers.enter_context(running_redis())
        running = [
            await start_server(
                load_config(
                    server_env
                    | {"REDIS_URL": redis.url, "WARMTRANSFER_DATA_DIR": str(tmp_path / f"r{n}")}
                )
            )
            for n in range(2)
        ]
        a, b = (Client(f"127.0.0.1:{server.port}", api_key="key-a") for server in running)
        try:
            call_id = await create_call(a)
            started = asyncio.Event()
            watching = asyncio.create_task(
                collect(b, call_id, lambda events: added(events) == [1, 2], started=started)
            )
            await subscribed(started, watching)
            assert await asyncio.wait_for(ingest(a, call_id, [segment(1)]), 30) == [1]
            redis_servers.close()  # Redis goes away, and comes back empty on the same port
            redis_servers.enter_context(running_redis(redis.port))
            assert await asyncio.wait_for(ingest(a, call_id, [segment(2)]), 30) == [2]
            assert added(await asyncio.wait_for(watching, 60)) == [1, 2]
        finally:
            for client in (a, b):
                await client.close()
            for server in running:
                await server.stop(grace=1)


async def test_replicas_without_one_history_index_are_warned(
    replicas: list[RunningServer], caplog: pytest.LogCaptureFixture
) -> None:
    # Each replica's embedded index holds only the calls it owns: said at start-up.
    warned = [r for r in caplog.get_records("setup") if "QDRANT_URL is not" in r.getMessage()]
    assert len(warned) == len(replicas) and all(r.levelname == "WARNING" for r in warned)


async def test_tenants_stay_apart_across_replicas(
    replicas: list[RunningServer], clients: list[Client]
) -> None:
    # Tenant A's call, stored through the first replica, is not found by tenant B on the
    # second, and B's watch of it is refused there.
    call_id = await create_call(clients[0])
    assert await ingest(clients[0], call_id, [segment(1)]) == [1]
    async with Client(f"127.0.0.1:{replicas[1].port}", api_key="key-b") as other_tenant:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await other_tenant.transcripts.GetTranscript(
                transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
            )
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            async for _ in other_tenant.transcripts.WatchCall(
                transcript_service_pb2.WatchCallRequest(call_id=call_id)
            ):
                pass
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        listed = await other_tenant.calls.ListCalls(call_service_pb2.ListCallsRequest())
        assert call_id not in [c.call_id for c in listed.calls]
    got = await clients[1].transcripts.GetTranscript(
        transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
    )
    assert [s.seq for s in got.segments] == [1]


async def test_replicas_on_one_qdrant_server_search_each_others_calls(
    server_env: dict[str, str], redis_server: RedisServer, tmp_path: Path
) -> None:
    # With QDRANT_URL, a call indexed by its owner is found through every replica.
    with running_qdrant() as qdrant:
        env = server_env | {
            "REDIS_URL": redis_server.url,
            "QDRANT_URL": qdrant.url,
            "WARMTRANSFER_INGEST_SECRET": SECRET,
        }
        async with running_replicas(env, tmp_path) as (first, second):
            at_first = Client(f"127.0.0.1:{first.port}", api_key="key-a")
            at_second = Client(f"127.0.0.1:{second.port}", api_key="key-a")
            try:
                call_id = await create_call(at_first)
                said = "my router keeps dropping the connection every night around ten"
                await ingest(at_first, call_id, [segment(1, said), segment(2, "okay, thanks")])
                await at_first.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
                await first.deps.indexer.wait_idle(timeout=60)
                assert first.deps.ownership.owns(call_id) or second.deps.ownership.owns(call_id)
                found = await at_second.context.SearchContext(
                    context_service_pb2.SearchContextRequest(query="internet keeps cutting out")
                )
                assert [s.call_id for s in found.snippets][:1] == [call_id]
                assert "router keeps dropping" in found.snippets[0].text
            finally:
                await at_first.close()
                await at_second.close()
        assert any(r.endswith("/points") for r in qdrant.requests)  # indexed on the server


SAID_FIRST = [
    segment(1, "Thanks for calling, this is Priya Raman.", role=AGENT),
    segment(2, "Hi Priya, my name is Daniel Okafor."),
]
SAID_NEXT = [segment(3, "Thank you Daniel. Daniel, what's your phone number?", role=AGENT)]
# With the call's window (Priya is <PERSON_1>, Daniel <PERSON_2>), the third line reads:
NEXT_WITH_THE_WINDOW = "Thank you <PERSON_2>. <PERSON_2>, what's your phone number?"


@pytest.fixture
async def pseudonym_replicas(
    server_env: dict[str, str], redis_server: RedisServer, tmp_path: Path
) -> AsyncIterator[list[Client]]:
    env = server_env | {
        "REDIS_URL": redis_server.url,
        "WARMTRANSFER_INGEST_SECRET": SECRET,
        "WARMTRANSFER_REDACTION_STYLE": "pseudonym",
        # Redaction in a worker process of each replica's own: with it in a thread, replicas in
        # one process would share their calls' windows.
        "WARMTRANSFER_WORKERS": "1",
    }
    async with running_replicas(env, tmp_path) as both:
        made = [Client(f"127.0.0.1:{server.port}", api_key="key-a") for server in both]
        yield made
        for client in made:
            await client.close()


async def redacted(client: Client, call_id: str) -> list[str]:
    response = await client.transcripts.GetTranscript(
        transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
    )
    return [s.text for s in response.segments]


async def test_a_stream_reaching_another_replica_is_redacted_with_the_calls_window(
    pseudonym_replicas: list[Client],
) -> None:
    # The call's first stream reaches replica 0, which owns the call; after a reconnect its
    # stream reaches replica 1, which forwards it to the owner: the names found before keep
    # their pseudonyms.
    first, second = pseudonym_replicas
    call_id = await create_call(first)
    assert await ingest(first, call_id, SAID_FIRST) == [1, 2]
    assert await ingest(second, call_id, SAID_NEXT) == [3]
    shown = await redacted(second, call_id)
    assert shown[2] == NEXT_WITH_THE_WINDOW, shown


async def test_a_stream_whose_owner_cannot_be_reached_is_taken_where_it_arrived(
    pseudonym_replicas: list[Client], server_env: dict[str, str]
) -> None:
    # The owner's address leads nowhere (it died before its lease lapsed): the replica that
    # received the stream stores it itself, nothing refused or lost; only the window is new.
    first, second = pseudonym_replicas
    call_id = await create_call(first)
    assert await ingest(first, call_id, SAID_FIRST) == [1, 2]
    with psycopg.connect(server_env["DATABASE_URL"]) as conn:
        conn.execute(
            "UPDATE call_owners SET address = %s WHERE call_id = %s",
            (f"127.0.0.1:{free_port()}", call_id),
        )
    more = [segment(seq, f"line {seq}") for seq in range(3, 9)]
    assert await ingest(second, call_id, SAID_NEXT + more[1:]) == list(range(3, 9))
    assert [s.startswith("Thank you") for s in (await redacted(second, call_id))[2:3]] == [True]


async def test_replicas_without_a_shared_secret_take_the_stream_where_it_arrived(
    server_env: dict[str, str], redis_server: RedisServer, tmp_path: Path
) -> None:
    # Each replica has its own ingest secret (a misconfiguration, warned at start-up): the
    # owner refuses the forwarded stream's token, and the replica that received it stores it.
    env = server_env | {"REDIS_URL": redis_server.url}
    async with running_replicas(env, tmp_path) as (first, second):
        at_first = Client(f"127.0.0.1:{first.port}", api_key="key-a")
        at_second = Client(f"127.0.0.1:{second.port}", api_key="key-a")
        try:
            call_id = await create_call(at_first)
            assert await ingest(at_first, call_id, [segment(1), segment(2)]) == [1, 2]
            more = [segment(seq) for seq in range(3, 7)]
            assert await asyncio.wait_for(ingest(at_second, call_id, more), 60) == [3, 4, 5, 6]
            got = await at_first.transcripts.GetTranscript(
                transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
            )
            assert [s.seq for s in got.segments] == [1, 2, 3, 4, 5, 6]
        finally:
            await at_first.close()
            await at_second.close()


async def test_a_long_stream_forwarded_to_the_owner_is_acknowledged_to_its_end(
    replicas: list[RunningServer], clients: list[Client]
) -> None:
    # Twice as many segments as a stream holds in flight, through the replica that does not own
    # the call: every one acknowledged by the owner, in order, and the stream ends.
    first, second = clients
    call_id = await create_call(first)
    assert await ingest(first, call_id, [segment(1)]) == [1]
    sent = [segment(seq) for seq in range(2, 2 + 2 * MAX_IN_FLIGHT)]
    acked = await asyncio.wait_for(ingest(second, call_id, sent), 120)
    assert acked == list(range(2, 2 + 2 * MAX_IN_FLIGHT))
    assert replicas[0].deps.ownership.owns(call_id)


async def test_end_call_on_either_replica_waits_for_the_transcribers_last_words(
    server_env: dict[str, str],
    redis_server: RedisServer,
    livekit: LiveKitServer,
    lk_api: api.LiveKitAPI,
    tmp_path: Path,
) -> None:
    # The worker's stream reached replica A; the agent's EndCall reaches replica B. B closes
    # the room, and the call ends only once the transcriber has sent what it still heard.
    env = server_env | {
        "REDIS_URL": redis_server.url,
        "WARMTRANSFER_INGEST_SECRET": SECRET,
        "WARMTRANSFER_MEDIA": "livekit",
        "LIVEKIT_URL": livekit.url,
        "LIVEKIT_API_KEY": livekit.api_key,
        "LIVEKIT_API_SECRET": livekit.api_secret,
    }
    async with (
        running_replicas(env, tmp_path) as (a, b),
        Client(f"127.0.0.1:{a.port}", api_key="key-a") as agent_a,
        Client(f"127.0.0.1:{b.port}", api_key="key-a") as agent_b,
    ):
        request = call_service_pb2.CreateCallRequest(customer_id="cust-1")
        call = (await agent_a.calls.CreateCall(request)).call
        token = a.deps.ingest_tokens.mint("tenant-a", call.call_id)
        last_words = asyncio.Event()

        async def transcriber() -> AsyncIterator[Request]:
            yield config(call.call_id)
            yield segment(1, "My card was charged twice.")
            await last_words.wait()  # the room closed: what it still heard, then the end
            yield segment(2, "Thank you, goodbye.")

        async with Client(f"127.0.0.1:{a.port}", api_key=token) as worker:
            acks = aiter(worker.transcripts.StreamTranscript(transcriber()))
            assert (await anext(acks)).acked_seq == 1
            ending = asyncio.ensure_future(
                agent_b.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call.call_id))
            )
            await room_closed(lk_api, call.room_name)
            assert not ending.done()  # B waits for the stream on A
            last_words.set()
            assert [ack.acked_seq async for ack in acks] == [2]
            ended = (await asyncio.wait_for(ending, 60)).call
    assert ended.state == call_pb2.CALL_STATE_ENDED
    assert ended.final_segment_count == 2


async def room_closed(lk_api: api.LiveKitAPI, room: str) -> None:
    async with asyncio.timeout(30):
        # LiveKit is asked again: it tells the server's API nothing of its own accord.
        while True:
            listed = await lk_api.room.list_rooms(api.ListRoomsRequest(names=[room]))
            if not listed.rooms:
                return
            await asyncio.sleep(0.05)
