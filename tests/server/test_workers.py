"""Redaction in worker processes: batched across calls, in order per call, and a worker that dies
loses nothing acknowledged."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.server.helpers import AGENT, CALLER, create_call, ingest, segment, wait_for_event
from warmtransfer.client import Client, TranscriptStreamer
from warmtransfer.demo import SCRIPT
from warmtransfer.rag.embeddings import embedding_provider
from warmtransfer.server.app import RunningServer, start_server
from warmtransfer.server.config import load_config
from warmtransfer.server.redactors import CallRedactors
from warmtransfer.server.summary_worker import WorkerSummarizer
from warmtransfer.server.workers import Worker, default_worker_count, lower_priority
from warmtransfer.v1 import (
    call_service_pb2,
    context_service_pb2,
    summary_service_pb2,
    transcript_pb2,
    transcript_service_pb2,
)

pytestmark = pytest.mark.slow


@pytest.fixture
async def redactors() -> AsyncIterator[CallRedactors]:
    pool = CallRedactors(workers=2)
    await pool.load()
    yield pool
    await pool.close()


async def test_workers_are_processes_that_batch_across_calls(redactors: CallRedactors) -> None:
    pids = {w.pid for w in redactors.workers}
    assert None not in pids and os.getpid() not in pids and len(pids) == 2
    calls = [f"c_{i:024x}" for i in range(12)]
    # Everything is queued before the feeders run: each worker takes its share in one batch.
    first = [
        redactors.add("t", c, seq=1, speaker="caller", text="my card is four one one one")
        for c in calls
    ]
    second = [
        redactors.add("t", c, seq=2, speaker="caller", text="one one one one one one one one")
        for c in calls
    ]
    third = [
        redactors.add("t", c, seq=3, speaker="caller", text="one one one one, and I'm Dana Reyes")
        for c in calls
    ]
    assert redactors.waiting() == 36
    done = await asyncio.wait_for(asyncio.gather(*first, *second, *third), 60)
    assert redactors.batches == 2 and redactors.redacted == 36
    for redacted in done[24:]:  # the third segment completes the card and revises both before
        revisions = redacted.revisions
        assert [seq for seq, _ in revisions] == [1, 2, 3]
        assert revisions[0][1] == "my card is <CREDIT_CARD>"
        assert revisions[2][1] == "<CREDIT_CARD>, and I'm <PERSON>"
        # All three are the caller's: the first has left the window of the last two.
        assert redacted.final_through == 1
    previews = await asyncio.gather(
        *(
            redactors.preview("t", c, speaker="agent", text="Thanks Dana, and your zip?")
            for c in calls
        )
    )
    assert previews == ["Thanks <PERSON>, and your zip?"] * len(calls)


def final(seq: int, text: str) -> transcript_pb2.TranscriptSegment:
    return transcript_pb2.TranscriptSegment(
        seq=seq,
        speaker_identity="maria",
        speaker_role=transcript_pb2.SPEAKER_ROLE_CALLER,
        text=text,
        is_final=True,
    )


@pytest.fixture
async def process_server(
    server_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[RunningServer]:
    env = server_env | {
        "WARMTRANSFER_WORKERS": "1",
        "WARMTRANSFER_DATA_DIR": str(tmp_path / "p"),
        "WARMTRANSFER_WORKER_PRIORITY": "idle",  # the default `low` is what the other tests run
    }
    running = await start_server(load_config(env))
    yield running
    await running.stop(grace=1)


async def test_a_worker_killed_mid_stream_loses_nothing(process_server: RunningServer) -> None:
    client = Client(f"127.0.0.1:{process_server.port}", api_key="key-a")
    worker = process_server.deps.redactors.workers[0]
    call_id = await create_call(client)
    acked: list[int] = []
    twenty = asyncio.Event()

    def on_ack(seq: int, duplicate: bool) -> None:
        acked.append(seq)
        if len(acked) == 20:
            twenty.set()

    streamer = TranscriptStreamer(client, call_id, max_backoff=0.3, on_ack=on_ack)
    streamer.start()
    for seq in range(1, 41):
        streamer.send(final(seq, f"Line {seq}: you can reach me at 415 555 01{seq:02d}."))
    await asyncio.wait_for(twenty.wait(), 60)
    pid = worker.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    for seq in range(41, 61):
        streamer.send(final(seq, f"Line {seq}: you can reach me at 415 555 01{seq:02d}."))
    assert await streamer.wait_acknowledged(120)
    await streamer.aclose()
    stored = await client.transcripts.GetTranscript(
        transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
    )
    assert [s.seq for s in stored.segments] == list(range(1, 61))
    assert all(s.text.endswith("reach me at <PHONE_NUMBER>.") for s in stored.segments)
    assert worker.restarts >= 1 and worker.pid not in (None, pid)
    assert streamer.dropped == []
    # The server is unharmed: while the new worker started, segments waited and the server
    # may have said it was saturated; with them all acknowledged it takes calls again, and a
    # new call is redacted by the new worker.
    assert not await process_server.deps.load.sample()
    other = await create_call(client)
    assert await ingest(client, other, [segment(1, "I'm Dana Reyes")]) == [1]
    await client.close()


async def test_the_history_is_embedded_in_a_process_of_its_own_which_may_die(
    process_server: RunningServer,
) -> None:
    """With worker processes and the embedding on this machine, the history's embedding runs in
    a process of its own, at a lower priority than the server. Killed, it is replaced at the
    next batch, which is retried: every turn of the call ends up in the index."""
    if embedding_provider(dict(os.environ)) != "minilm":
        pytest.skip("the embedding is a provider's here")
    indexer = process_server.deps.indexer
    assert indexer.embed_worker is not None
    worker = indexer.embed_worker.worker
    pid = worker.pid  # started with the server, its model loaded
    redaction = {w.pid for w in process_server.deps.redactors.workers}
    assert pid is not None and pid != os.getpid() and pid not in redaction
    assert os.sched_getscheduler(pid) == os.SCHED_IDLE  # the fixture's worker priority
    os.kill(pid, signal.SIGKILL)

    client = Client(f"127.0.0.1:{process_server.port}", api_key="key-a")
    call_id = await create_call(client)
    said = [
        "My router keeps dropping the connection.",
        "I already restarted it twice and it still drops.",
        "Can you send a technician to look at it?",
    ]
    roles = [transcript_pb2.SPEAKER_ROLE_CALLER, transcript_pb2.SPEAKER_ROLE_AGENT] * 2
    requests = [segment(seq, text, role=roles[seq - 1]) for seq, text in enumerate(said, 1)]
    assert await ingest(client, call_id, requests) == [1, 2, 3]
    await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
    await indexer.wait_idle(timeout=120)

    assert worker.restarts >= 1 and worker.pid not in (None, pid)
    found = await client.context.SearchContext(
        context_service_pb2.SearchContextRequest(query="technician visit", limit=10)
    )
    assert sorted(s.text for s in found.snippets if s.call_id == call_id) == sorted(said)
    await client.close()


async def test_summaries_are_written_in_a_process_of_their_own(
    process_server: RunningServer,
) -> None:
    """With worker processes, the offline summarizer's rules run in a process of their own at
    the workers' lower priority, off the event loop; the summary is the one the API serves."""
    summarizer = process_server.deps.engine.summarizer
    assert isinstance(summarizer, WorkerSummarizer)
    pid = summarizer.worker.pid  # started with the server
    others = {w.pid for w in process_server.deps.redactors.workers}
    assert pid is not None and pid != os.getpid() and pid not in others
    assert os.sched_getscheduler(pid) == os.SCHED_IDLE  # the fixture's worker priority

    client = Client(f"127.0.0.1:{process_server.port}", api_key="key-a")
    call_id = await create_call(client)
    requests = [segment(seq, text, role=role) for seq, (role, text) in enumerate(SCRIPT, 1)]
    other = AGENT if SCRIPT[-1][0] == CALLER else CALLER  # settles the script's last line
    requests.append(segment(len(SCRIPT) + 1, "Is there anything else I can do?", role=other))
    await ingest(client, call_id, requests)
    last = len(SCRIPT)
    await wait_for_event(
        client, call_id, lambda e: e.summary_updated.summary.covered_through_seq == last
    )
    got = await client.summaries.GetSummary(summary_service_pb2.GetSummaryRequest(call_id=call_id))
    assert got.summary.summarizer == "offline"
    assert "internet" in got.summary.reason.lower()
    assert summarizer.batches >= 1
    await client.close()


def _own_niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, 0)


def _own_scheduling() -> tuple[int, int]:
    """The calling thread's scheduling policy and nice value."""
    return os.sched_getscheduler(0), _own_niceness()


async def test_a_worker_process_runs_behind_the_server() -> None:
    own = _own_scheduling()
    low = Worker("nice", priority="low", niceness=5)
    idle = Worker("idle", priority="idle", niceness=5)
    try:
        got = await asyncio.wait_for(
            asyncio.gather(low.run(_own_scheduling), idle.run(_own_scheduling)), 60
        )
        assert list(got) == [(own[0], min(own[1] + 5, 19)), (os.SCHED_IDLE, own[1])]
    finally:
        low.close()
        idle.close()
    assert _own_scheduling() == own  # the server's own threads are as they were


def _own_name() -> str:
    with open("/proc/self/comm") as comm:
        return comm.read().strip()


async def test_a_worker_process_goes_by_its_name() -> None:
    # What `top` shows for it: an operator sees which worker takes the CPU.
    own = _own_name()
    worker = Worker("redaction-0")
    long = Worker("a-name-longer-than-fifteen-bytes")
    try:
        names = await asyncio.wait_for(
            asyncio.gather(worker.run(_own_name), long.run(_own_name)), 60
        )
        assert list(names) == ["redaction-0", "a-name-longer-t"]
    finally:
        worker.close()
        long.close()
    assert _own_name() == own


async def test_a_worker_in_the_server_process_keeps_the_server_threads_priority() -> None:
    # A thread of the server idle-scheduled while it holds the GIL would hold up the loop.
    own = _own_scheduling()
    worker = Worker("threaded", in_process=True, priority="idle", niceness=5)
    try:
        assert await asyncio.wait_for(worker.run(_own_scheduling), 60) == own
    finally:
        worker.close()


_LOADED: list[list[int]] = []


def _load_tables() -> None:
    _LOADED.extend([i] for i in range(1_000))


def _loaded_and_frozen() -> bool:
    """Whether the initializer's tables are loaded and out of every generation the collector
    walks (`gc.get_objects` leaves out what is frozen)."""
    walked = {id(obj) for obj in gc.get_objects()}
    return len(_LOADED) == 1_000 and not any(id(row) in walked for row in _LOADED)


async def test_what_a_worker_loaded_is_kept_out_of_full_collections() -> None:
    # A redaction worker's model and tables live as long as it does: frozen after its
    # initializer, a full collection does not walk them (0.1-0.2 s each otherwise).
    worker = Worker("frozen", initializer=_load_tables)
    try:
        assert await asyncio.wait_for(worker.run(_loaded_and_frozen), 60)
    finally:
        worker.close()


def test_lower_priority_lowers_the_calling_thread_only() -> None:
    before = _own_niceness()
    seen: list[int] = []

    def lowered() -> None:
        lower_priority(10)
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=lowered)
    thread.start()
    thread.join(30)
    assert seen == [min(before + 10, 19)]
    assert _own_niceness() == before


def test_default_worker_count_leaves_cpus_for_the_server() -> None:
    cpus = len(os.sched_getaffinity(0))
    assert default_worker_count(reserved=0) == cpus
    assert default_worker_count() == max(1, cpus - 1)
    assert default_worker_count(reserved=cpus + 5) == 1


def test_embedding_on_this_machine_unless_a_provider_is_named() -> None:
    assert embedding_provider({}) == "minilm"
    assert embedding_provider({"WARMTRANSFER_EMBEDDINGS": " OpenAI "}) == "openai"
