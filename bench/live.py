"""Live capacity: N calls at a real call's pace on one server, everything on.

Each call is a bidirectional `StreamTranscript` stream sending one final segment every 2 s (0.5
a second, as a two-party support call produces), phases spread evenly, text from scripted
support calls with names, numbers, card and account details and addresses mixed in (the
redaction set's cases). Redaction, rolling summaries, embedding and history indexing all run as
in production (offline defaults). Meanwhile this process asks for `GetSummary` of a random live
call 20 times a second, as agents clicking Transfer would.

The streams run in a separate load process (`--load`), so the latencies measured here are not
this process's own loop lag. Reported, over the measured window (after `--warmup`):

- ack latency: a segment's send → its acknowledgement (redacted and committed);
- `GetSummary` latency, and pending: segments the returned summary had not read yet;
- history indexing lag: a segment's acknowledgement → the moment the history index covers it
  (polled every 2 s from the call store; includes the few segments a turn needs to settle);
- server CPU (server process and its worker processes) and RSS; the load process's CPU;
- per minute of the window, the ack p99, pending p95 and RSS (a backlog or a leak shows as a
  trend); the RSS growth over the window split into anonymous memory and pages of mapped files
  (the embedded vector store maps its files), per segment acknowledged in the window;
- segments sent and acknowledged (all, after the load stops).

    python -m bench.live --calls 100 250 500 750 1000 --seconds 60
    python -m bench.live --calls 1000 --seconds 600            # flat through ten minutes?
    python -m bench.live --calls 100 200 --baseline ../old     # the same load on another tree
    python -m bench.live --embeddings openai                   # embedding done by a provider
    python -m bench.live --calls 250 --engine postgresql --replicas 1 2   # replicas on one box
    python -m bench.live --calls 1000 --trace /tmp/gs.json     # each GetSummary's time, latency

`--engine postgresql` puts the call store in a PostgreSQL server started for the run, and
`--replicas 2` runs two servers on it (with a Redis for their events), each call's stream on one
of them in turn; server CPU and RSS then add up the replicas, PostgreSQL and Redis. On one box
the replicas share its two cores: compare the ratio, not the absolute figures.

`--embeddings openai` moves the embedding off the server, as `WARMTRANSFER_EMBEDDINGS=openai`
does in production: the server calls a local stand-in of the OpenAI embeddings API, running in
a process of its own (on the same machine: its CPU is reported apart, as "load CPU" is).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import psycopg

from bench.common import (
    API_KEY,
    ServerProcess,
    cpu_by_process,
    percentile,
    server_process,
    tree_usage,
)
from tests.postgres_server import running_postgres
from tests.redis_server import running_redis
from warmtransfer.v1 import (
    call_service_pb2,
    call_service_pb2_grpc,
    summary_service_pb2,
    summary_service_pb2_grpc,
    transcript_pb2,
    transcript_service_pb2,
    transcript_service_pb2_grpc,
)

ROOT = Path(__file__).resolve().parent.parent
INTERVAL_S = 2.0  # one final segment per call every 2 s
SUMMARY_RATE = 20.0  # GetSummary per second
CHANNELS = 8  # connections the load process spreads its streams over
METADATA = (("authorization", f"Bearer {API_KEY}"),)


# --- the calls' text -----------------------------------------------------------------------------


def call_scripts(count: int, seed: int = 12) -> list[list[tuple[str, str]]]:
    """`count` scripted calls as (speaker, text): the support calls of `tests/data/calls`, with
    exchanges from the redaction set (names, numbers, addresses, spoken and written) mixed in.
    Deterministic for a seed."""
    from bench.eval_redaction import CASES_PATH, load_cases

    calls = [
        [(s["role"], s["text"]) for s in json.loads(p.read_text())["segments"]]
        for p in sorted((ROOT / "tests" / "data" / "calls").glob("*.json"))
    ]
    cases = [c for c in load_cases(CASES_PATH) if not c.negative]
    rng = random.Random(seed)
    scripts = []
    for i in range(count):
        script: list[tuple[str, str]] = []
        for speaker, text in calls[i % len(calls)]:
            script.append((speaker, text))
            if rng.random() < 0.3:
                script.extend((s.speaker, s.text) for s in rng.choice(cases).segments)
        scripts.append(script)
    return scripts


# --- the load process ----------------------------------------------------------------------------


async def one_call(
    stub: transcript_service_pb2_grpc.TranscriptServiceStub,
    call_id: str,
    script: list[tuple[str, str]],
    start: float,
    stop: asyncio.Event,
    record: list[list[float]],
) -> None:
    """Send a final segment every INTERVAL_S from `start` (wall clock) until `stop`; record
    [seq, sent_at, acked_at] (acked_at 0 if never acknowledged)."""
    sent: dict[int, list[float]] = {}
    done = asyncio.Event()

    async def requests() -> AsyncIterator[transcript_service_pb2.StreamTranscriptRequest]:
        yield transcript_service_pb2.StreamTranscriptRequest(
            config=transcript_service_pb2.StreamTranscriptConfig(call_id=call_id)
        )
        seq = 0
        while not stop.is_set():
            due = start + seq * INTERVAL_S
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, due - time.time()))
                break
            seq += 1
            speaker, text = script[(seq - 1) % len(script)]
            role = (
                transcript_pb2.SPEAKER_ROLE_CALLER
                if speaker == "caller"
                else transcript_pb2.SPEAKER_ROLE_AGENT
            )
            entry = [float(seq), time.time(), 0.0]
            sent[seq] = entry
            record.append(entry)
            yield transcript_service_pb2.StreamTranscriptRequest(
                segment=transcript_pb2.TranscriptSegment(
                    seq=seq,
                    speaker_identity=speaker,
                    speaker_role=role,  # type: ignore[arg-type]
                    text=text,
                    is_final=True,
                    start_offset={"seconds": int(seq * INTERVAL_S)},
                    end_offset={"seconds": int(seq * INTERVAL_S + 1)},
                )
            )
        await done.wait()  # keep the stream open until every ack is in (or the load gives up)

    stream = stub.StreamTranscript(requests(), metadata=METADATA)
    try:
        async for response in stream:
            entry = sent.get(response.acked_seq)
            if entry is not None:
                entry[2] = time.time()
            if stop.is_set() and all(e[2] for e in sent.values()):
                done.set()
    except grpc.aio.AioRpcError as exc:
        print(f"load: stream of {call_id} ended: {exc.code()} {exc.details()}", file=sys.stderr)
    finally:
        done.set()


async def load_main(target: str, ids_file: Path, out_file: Path, start: float) -> None:
    """Stream every call of `ids_file` until SIGTERM, then wait for the acks (up to 60 s) and
    write what was sent and acknowledged to `out_file`."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    call_ids = json.loads(ids_file.read_text())
    scripts = call_scripts(len(call_ids))
    # Call i streams to replica i mod n (`target` lists them, comma-separated).
    targets = target.split(",")
    channels = [grpc.aio.insecure_channel(t) for _ in range(CHANNELS) for t in targets]
    stubs = [transcript_service_pb2_grpc.TranscriptServiceStub(c) for c in channels]
    records: dict[str, list[list[float]]] = {c: [] for c in call_ids}
    tasks = [
        asyncio.create_task(
            one_call(
                stubs[i % len(stubs)],
                call_id,
                scripts[i],
                start + INTERVAL_S * i / len(call_ids),
                stop,
                records[call_id],
            )
        )
        for i, call_id in enumerate(call_ids)
    ]
    await stop.wait()
    await asyncio.wait(tasks, timeout=60)
    for channel in channels:
        await channel.close()
    wall = time.time() - start
    out_file.write_text(
        json.dumps({"records": records, "cpu_s": time.process_time(), "wall_s": wall})
    )


# --- the measuring process -----------------------------------------------------------------------


@dataclass
class Samples:
    summaries: list[tuple[float, float, int]] = field(default_factory=list)  # at, latency, pending
    summary_errors: int = 0
    indexed: dict[str, list[tuple[float, int]]] = field(default_factory=dict)  # (at, through)
    usage: list[tuple[float, float, int, int]] = field(default_factory=list)  # at, cpu_s, rss, anon
    by_process: list[tuple[float, dict[str, float]]] = field(default_factory=list)  # at, cpu_s


async def sample_summaries(
    target: str, call_ids: Sequence[str], samples: Samples, stop: asyncio.Event
) -> None:
    rng = random.Random(5)
    async with grpc.aio.insecure_channel(target) as channel:
        stub = summary_service_pb2_grpc.SummaryServiceStub(channel)
        next_at = time.monotonic()
        while not stop.is_set():
            next_at += 1 / SUMMARY_RATE
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            request = summary_service_pb2.GetSummaryRequest(call_id=rng.choice(call_ids))
            began = time.perf_counter()
            try:
                response = await stub.GetSummary(request, metadata=METADATA, timeout=30)
            except grpc.aio.AioRpcError:
                samples.summary_errors += 1
                continue
            samples.summaries.append(
                (time.time(), time.perf_counter() - began, len(response.pending_segments))
            )


async def sample_index(
    rows_of: Callable[[], list[tuple[str, int]]], samples: Samples, stop: asyncio.Event
) -> None:
    """Poll how far each call is indexed (the store's own progress marks)."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2.0)
        try:
            rows = await asyncio.to_thread(rows_of)
        except (sqlite3.Error, psycopg.Error):
            continue
        now = time.time()
        for call_id, through in rows:
            marks = samples.indexed.setdefault(call_id, [])
            if not marks or marks[-1][1] != through:
                marks.append((now, through))


def _index_rows_postgres(url: str) -> list[tuple[str, int]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT call_id, indexed_through_seq FROM index_progress")
        return [(str(r[0]), int(r[1])) for r in rows]


def _index_rows(db: Path) -> list[tuple[str, int]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return [
            (str(r[0]), int(r[1]))
            for r in conn.execute("SELECT call_id, indexed_through_seq FROM index_progress")
        ]
    finally:
        conn.close()


async def sample_usage(pids: Sequence[int], samples: Samples, stop: asyncio.Event) -> None:
    while not stop.is_set():
        usages = [tree_usage(pid) for pid in pids]
        cpu, rss, anon = (sum(u[k] for u in usages) for k in range(3))
        by_process: dict[str, float] = {}
        for pid in pids:
            for name, seconds in cpu_by_process(pid).items():
                by_process[name] = by_process.get(name, 0.0) + seconds
        now = time.time()
        samples.usage.append((now, cpu, int(rss), int(anon)))
        samples.by_process.append((now, by_process))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 5.0)


async def create_calls(target: str, count: int) -> list[str]:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = call_service_pb2_grpc.CallServiceStub(channel)
        ids: list[str] = []
        for start in range(0, count, 50):
            responses = await asyncio.gather(
                *(
                    stub.CreateCall(
                        call_service_pb2.CreateCallRequest(customer_id=f"customer-{i}"),
                        metadata=METADATA,
                    )
                    for i in range(start, min(count, start + 50))
                )
            )
            ids.extend(r.call.call_id for r in responses)
        return ids


@dataclass
class Result:
    calls: int
    sent: int
    acked: int
    ack: list[float]
    summary: list[float]
    summary_at: list[float]  # when each of `summary` was answered (epoch s)
    pending: list[int]
    index_lag: list[float]
    unindexed_old: int
    server_cpu: float  # cores
    cpu_by_process: dict[str, float]  # cores, by process name (see bench.common.cpu_by_process)
    rss_mib: float
    rss_growth_mib: float
    anon_growth_mib: float
    window_segments: int
    load_cpu: float  # cores
    minutes: list[tuple[float, float, float]]  # ack p99 ms, pending p95, rss MiB
    summary_errors: int

    def row(self) -> str:
        def ms(values: Sequence[float], p: float) -> str:
            return f"{percentile(values, p) * 1000:,.0f}" if values else "n/a"

        lag = (
            f"{percentile(self.index_lag, 50):.1f} / {percentile(self.index_lag, 95):.1f}"
            if self.index_lag
            else "n/a"
        )
        return (
            f"| {self.calls:,} | {self.acked:,}/{self.sent:,} | {ms(self.ack, 50)} / "
            f"{ms(self.ack, 99)} | {percentile(self.summary, 50) * 1000:.1f} / "
            f"{percentile(self.summary, 99) * 1000:.1f} | {percentile(self.pending, 50):.0f} / "
            f"{percentile(self.pending, 95):.0f} | {lag} | {self.server_cpu:.2f} | "
            f"{self.rss_mib:,.0f} (+{self.rss_growth_mib:,.0f}) | {self.load_cpu:.2f} |"
        )


HEADER = (
    "| live calls | acked/sent | ack p50 / p99 ms | GetSummary p50 / p99 ms | pending p50 / p95 "
    "| indexing lag p50 / p95 s | server CPU (cores) | server RSS MiB (growth) | load CPU |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


async def standin_main() -> None:
    """A local stand-in of the OpenAI embeddings API, until SIGTERM; prints its URL."""
    from tests.openai_embeddings_protocol import running_embeddings

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with running_embeddings() as standin:
        print(standin.url, flush=True)
        while not stop.is_set():
            standin.requests.clear()  # it keeps every request for tests; a benchmark needs none
            standin.headers.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 5)


@contextlib.asynccontextmanager
async def embedding_standin() -> AsyncIterator[str]:
    """The stand-in in its own process; yields its base URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.live", "--standin",
        env=os.environ | {"PYTHONPATH": str(ROOT)}, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        url = (await asyncio.wait_for(process.stdout.readline(), 60)).decode().strip()
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()


async def run(
    calls: int,
    seconds: float,
    warmup: float,
    env: dict[str, str],
    *,
    engine: str = "sqlite",
    replicas: int = 1,
) -> Result:
    async with contextlib.AsyncExitStack() as stack:
        if env.get("WARMTRANSFER_EMBEDDINGS") == "openai":
            url = await stack.enter_async_context(embedding_standin())
            env = env | {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "bench"}
        helpers: list[int] = []  # PostgreSQL's and Redis's pids, their usage counted in
        rows_of: Callable[[], list[tuple[str, int]]] | None = None
        if engine == "postgresql":
            postgres = stack.enter_context(running_postgres())
            url = postgres.create_database()
            env = env | {"DATABASE_URL": url}
            helpers.append(postgres.pid)
            rows_of = functools.partial(_index_rows_postgres, url)
        if replicas > 1:
            redis = stack.enter_context(running_redis())
            env = env | {"REDIS_URL": redis.url}
            helpers.append(redis.pid)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wt-live-")))
        servers = [
            await stack.enter_async_context(server_process(data_dir=tmp / f"data{n}", **env))
            for n in range(replicas)
        ]
        rows_of = rows_of or functools.partial(_index_rows, tmp / "data0" / "calls.sqlite3")
        pids = [server.pid for server in servers] + helpers
        return await _run(calls, seconds, warmup, tmp, servers, pids, rows_of)


async def _run(
    calls: int,
    seconds: float,
    warmup: float,
    tmp: Path,
    servers: Sequence[ServerProcess],
    pids: Sequence[int],
    rows_of: Callable[[], list[tuple[str, int]]],
) -> Result:
    server = servers[0]
    call_ids = await create_calls(server.target, calls)
    ids_file, out_file = Path(tmp) / "ids.json", Path(tmp) / "out.json"
    ids_file.write_text(json.dumps(call_ids))
    start = time.time() + 2.0
    targets = ",".join(s.target for s in servers)
    load = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.live", "--load", "--target", targets,
        "--ids", str(ids_file), "--out", str(out_file), "--start", str(start),
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    samples, stop = Samples(), asyncio.Event()
    await asyncio.sleep(max(0.0, start - time.time()))
    measure_from = time.time() + warmup
    measure_to = measure_from + seconds
    tasks = [
        asyncio.create_task(sample_usage(pids, samples, stop)),
        asyncio.create_task(sample_index(rows_of, samples, stop)),
    ]
    await asyncio.sleep(warmup)
    tasks.append(asyncio.create_task(sample_summaries(server.target, call_ids, samples, stop)))
    await asyncio.sleep(seconds)
    load.send_signal(signal.SIGTERM)
    await load.wait()
    # Let the index catch up with what was said, for the lag of the last segments.
    await asyncio.sleep(35)
    stop.set()
    await asyncio.gather(*tasks)
    output = json.loads(out_file.read_text())
    return summarize(calls, output, samples, measure_from, measure_to)


def indexable_through(records: dict[str, list[list[float]]]) -> dict[str, int]:
    """For each call (in the order the load streamed them, so with its script), the seq through
    which its sent segments can be indexed while it is live: the chunker's settled turns. The
    turn still open when the load stopped waits for the next speaker (or the call's end), so its
    segments are never late to the index however long the run waits. Cut here from the text as
    sent; the index cuts the redacted text, whose word counts can differ by a few."""
    from warmtransfer.rag.chunking import TurnSegment, cut_turns

    scripts = call_scripts(len(records))
    through: dict[str, int] = {}
    for (call_id, entries), script in zip(records.items(), scripts, strict=True):
        sent = []
        for entry in entries:
            seq = int(entry[0])
            speaker, text = script[(seq - 1) % len(script)]
            at_ms = int(seq * INTERVAL_S) * 1000
            sent.append(TurnSegment(seq, speaker, 0, text, at_ms, at_ms + 1000))
        through[call_id] = cut_turns(sent, call_ended=False)[1]
    return through


def summarize(
    calls: int, output: dict[str, object], samples: Samples, t0: float, t1: float
) -> Result:
    records: dict[str, list[list[float]]] = output["records"]  # type: ignore[assignment]
    sent = sum(len(r) for r in records.values())
    acked = sum(1 for r in records.values() for e in r if e[2])
    window = [e for r in records.values() for e in r if t0 <= e[1] < t1]
    ack = [e[2] - e[1] for e in window if e[2]]
    summary = [s[1] for s in samples.summaries if t0 <= s[0] < t1]
    summary_at = [s[0] for s in samples.summaries if t0 <= s[0] < t1]
    pending = [s[2] for s in samples.summaries if t0 <= s[0] < t1]
    lag: list[float] = []
    unindexed_old = 0
    last_poll = max((m[-1][0] for m in samples.indexed.values() if m), default=t1)
    indexable = indexable_through(records)
    for call_id, entries in records.items():
        marks = samples.indexed.get(call_id, [])
        for seq, sent_at, acked_at in entries:
            if not (t0 <= sent_at < t1) or not acked_at or seq > indexable[call_id]:
                continue
            covered = next((at for at, through in marks if through >= seq), None)
            if covered is not None:
                lag.append(max(0.0, covered - acked_at))
            elif last_poll - acked_at > 30:
                unindexed_old += 1
    usage = [u for u in samples.usage if t0 <= u[0] < t1]
    server_cpu = (
        (usage[-1][1] - usage[0][1]) / (usage[-1][0] - usage[0][0]) if len(usage) > 1 else 0
    )
    rss = [u[2] / 2**20 for u in usage]
    by_process = [u for u in samples.by_process if t0 <= u[0] < t1]
    cpu_split = (
        {
            name: (by_process[-1][1].get(name, 0.0) - by_process[0][1].get(name, 0.0))
            / (by_process[-1][0] - by_process[0][0])
            for name in by_process[-1][1]
        }
        if len(by_process) > 1
        else {}
    )
    minutes: list[tuple[float, float, float]] = []
    for m in range(max(1, int((t1 - t0) // 60))):
        lo, hi = t0 + 60 * m, t0 + 60 * (m + 1)
        acks = [e[2] - e[1] for e in window if lo <= e[1] < hi and e[2]]
        pend = [s[2] for s in samples.summaries if lo <= s[0] < hi]
        mem = [u[2] / 2**20 for u in usage if lo <= u[0] < hi]
        minutes.append(
            (
                percentile(acks, 99) * 1000 if acks else float("nan"),
                percentile(pend, 95) if pend else float("nan"),
                statistics.fmean(mem) if mem else float("nan"),
            )
        )
    return Result(
        calls=calls,
        sent=sent,
        acked=acked,
        ack=ack,
        summary=summary,
        summary_at=summary_at,
        pending=pending,
        index_lag=lag,
        unindexed_old=unindexed_old,
        server_cpu=server_cpu,
        cpu_by_process=cpu_split,
        rss_mib=statistics.fmean(rss) if rss else float("nan"),
        rss_growth_mib=(rss[-1] - rss[0]) if len(rss) > 1 else 0.0,
        anon_growth_mib=(usage[-1][3] - usage[0][3]) / 2**20 if len(usage) > 1 else 0.0,
        window_segments=len(ack),
        load_cpu=float(output["cpu_s"]) / float(output["wall_s"]),  # type: ignore[arg-type]
        minutes=minutes,
        summary_errors=samples.summary_errors,
    )


async def main(args: argparse.Namespace) -> None:
    env: dict[str, str] = {}
    if args.embeddings == "openai":
        # The summarizer stays offline: the OpenAI variables would otherwise select the LLM.
        env |= {"WARMTRANSFER_EMBEDDINGS": "openai", "WARMTRANSFER_SUMMARIZER": "offline"}
    label = "this tree"
    if args.baseline:
        tree = Path(args.baseline).resolve()
        env["PYTHONPATH"] = os.pathsep.join(
            str(tree / part) for part in ("server", "pipeline", "rag", "clients/python")
        )
        label = f"the tree at {tree}"
    for replicas in args.replicas:
        print(
            f"live capacity, {label}, {args.embeddings} embeddings, {args.engine}, {replicas} "
            f"replica(s): {args.seconds:.0f} s measured after {args.warmup:.0f} s"
        )
        print(HEADER)
        for calls in args.calls:
            result = await run(
                calls, args.seconds, args.warmup, env, engine=args.engine, replicas=replicas
            )
            report(result)
            if args.trace:
                trace = args.trace.with_name(f"{args.trace.stem}-{calls}{args.trace.suffix}")
                trace.write_text(
                    json.dumps(
                        {"get_summary": list(zip(result.summary_at, result.summary, strict=True))}
                    )
                )


def report(result: Result) -> None:
    print(result.row(), flush=True)
    if result.cpu_by_process:
        print(
            "  server CPU by process (cores): "
            + ", ".join(
                f"{name} {cores:.2f}"
                for name, cores in sorted(result.cpu_by_process.items(), key=lambda x: -x[1])
                if cores >= 0.005
            )
        )
    if len(result.minutes) > 1:
        print(
            "  per minute (ack p99 ms, pending p95, RSS MiB): "
            + "; ".join(f"{a:,.0f}, {p:.0f}, {r:,.0f}" for a, p, r in result.minutes)
        )
    if result.window_segments:
        per = 2**10 / result.window_segments
        print(
            f"  RSS growth over the window +{result.rss_growth_mib:,.0f} MiB, anonymous "
            f"+{result.anon_growth_mib:,.0f} MiB: {result.rss_growth_mib * per:.1f} KiB "
            f"({result.anon_growth_mib * per:.1f} anonymous) per segment acknowledged"
        )
    if result.unindexed_old or result.summary_errors:
        print(
            f"  {result.unindexed_old} segments not indexed 30 s after their ack (the turns still "
            "open at the end left out); "
            f"{result.summary_errors} GetSummary errors"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, nargs="+", default=[100, 250, 500, 750, 1000])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--baseline", help="run the server from this source tree instead")
    parser.add_argument("--embeddings", choices=["minilm", "openai"], default="minilm")
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1])
    parser.add_argument(
        "--trace",
        type=Path,
        help="write each GetSummary's time and latency in the window to this JSON file "
        "(one per N, named <stem>-<N>.json), to line them up with the server's own pauses",
    )
    parser.add_argument("--standin", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--ids", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--start", type=float, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if max(parsed.replicas) > 1 and parsed.engine != "postgresql":
        parser.error("--replicas above 1 share one store: add --engine postgresql")
    if parsed.standin:
        asyncio.run(standin_main())
    elif parsed.load:
        asyncio.run(load_main(parsed.target, parsed.ids, parsed.out, parsed.start))
    else:
        asyncio.run(main(parsed))
