"""Call history: redact + embed + index throughput, and SearchContext latency at 100k chunks.

1. Throughput, in one process on the offline defaults: the labelled redaction cases' segments
   (live-speech text with personal data) are redacted in batches across calls (as the server's
   redaction workers take them), then embedded in batches, then upserted into Qdrant's embedded
   engine. Each stage's rate is measured alone,
   and the pipeline's rate follows from their sum (they run one after the other per batch).
   The same redacted text is then embedded by a provider: the OpenAI embeddings protocol, a
   local stand-in in a process of its own. What counts there is the server's share, the CPU
   of the thread that asks and hands the vectors to the store (request, base64 answer decoded,
   checked, upserted), per segment; the stand-in's CPU is not the server's.
2. SearchContext at `--chunks` (100k) chunks: an embedded Qdrant collection is filled with that
   many chunks over 10 tenants (vectors near real embeddings of varied support-call lines), then
   a real `warmtransfer serve` process opens it and answers SearchContext over gRPC on loopback
   (query embedding + filtered search + response), sequentially, with and without a customer and
   a time-range filter.

    python -m bench.history [--segments 2000] [--chunks 100000] [--queries 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import API_KEY, describe_ms, rss_bytes, server_process
from bench.live import embedding_standin
from warmtransfer.client import Client
from warmtransfer.rag.embeddings import MiniLMEmbedder, OpenAIEmbedder
from warmtransfer.rag.redaction import RedactionEngine, RedactionRequest
from warmtransfer.rag.vector_store import Chunk, open_vector_store
from warmtransfer.v1 import context_service_pb2

CASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "redaction" / "cases.jsonl"
BATCH = 64
TENANTS = 10
COLLECTION = "chunks-all-minilm-l6-v2"  # the server's name for the default embedder's collection
QUERIES = [
    "customer says the internet keeps dropping in the evening",
    "refund for a duplicate charge on the bill",
    "card was lost or stolen and needs blocking",
    "caller is moving house and wants service transferred",
    "appointment needs to be rescheduled",
    "package never arrived",
    "cancel the subscription",
    "upgrade to a bigger data plan",
    "password reset did not work",
    "charged for roaming abroad",
]


def segments(n: int) -> list[list[tuple[str, str]]]:
    """`n` segments of the labelled cases, grouped by case (one call each)."""
    calls: list[list[tuple[str, str]]] = []
    total = 0
    cases = [json.loads(line) for line in CASES.read_text().splitlines() if line.strip()]
    while total < n:
        for case in cases:
            calls.append([(s["speaker"], s["text"]) for s in case["segments"]])
            total += len(calls[-1])
            if total >= n:
                break
    return calls


def throughput(n: int) -> tuple[dict[str, float], list[str]]:
    """Each stage's rate in segments/s, and the redacted texts."""
    engine = RedactionEngine()
    embedder = MiniLMEmbedder()
    calls = segments(n)
    # As the server takes them: segments of many calls at once, each call's in order.
    requests = [
        RedactionRequest(call, speaker, text, seq)
        for call, lines in zip((engine.start_call() for _ in calls), calls, strict=True)
        for seq, (speaker, text) in enumerate(lines, 1)
    ]
    requests.sort(key=lambda r: r.seq or 0)  # stable: round by round over the calls
    start = time.perf_counter()
    final: dict[tuple[int, int], str] = {}
    for i in range(0, len(requests), BATCH):
        batch = requests[i : i + BATCH]
        for request, result in zip(batch, engine.redact(batch), strict=True):
            assert isinstance(result, list)
            final.update(((id(request.call), r.seq), r.text) for r in result)
    redact_s = time.perf_counter() - start
    redacted = [final[key] for key in sorted(final)]

    start = time.perf_counter()
    vectors = np.concatenate(
        [embedder.embed(redacted[i : i + BATCH]) for i in range(0, len(redacted), BATCH)]
    )
    embed_s = time.perf_counter() - start

    store = open_vector_store(location=":memory:", dimension=embedder.dimension, collection="b")
    chunks = [_chunk(i, text, tenant=f"t{i % TENANTS}") for i, text in enumerate(redacted)]
    start = time.perf_counter()
    for i in range(0, len(chunks), BATCH):
        store.upsert(chunks[i : i + BATCH], vectors[i : i + BATCH])
    index_s = time.perf_counter() - start
    store.close()
    count = len(redacted)
    rates = {
        "segments": count,
        "redact": count / redact_s,
        "embed": count / embed_s,
        "index": count / index_s,
        "pipeline": count / (redact_s + embed_s + index_s),
    }
    return rates, redacted


def provider_cost(url: str, texts: list[str]) -> tuple[float, float]:
    """(embed, index) by a provider: this thread's CPU in µs per segment for each stage."""
    embedder = OpenAIEmbedder(api_key="bench", base_url=url)
    store = open_vector_store(location=":memory:", dimension=embedder.dimension, collection="p")
    chunks = [_chunk(i, text, tenant=f"t{i % TENANTS}") for i, text in enumerate(texts)]
    embed_s = index_s = 0.0
    try:
        for i in range(0, len(texts), BATCH):
            started = time.thread_time()
            vectors = embedder.embed(texts[i : i + BATCH])
            embed_s += time.thread_time() - started
            started = time.thread_time()
            store.upsert(chunks[i : i + BATCH], vectors)
            index_s += time.thread_time() - started
    finally:
        store.close()
        embedder.close()
    return embed_s / len(texts) * 1e6, index_s / len(texts) * 1e6


def _chunk(i: int, text: str, *, tenant: str) -> Chunk:
    return Chunk(
        tenant_id=tenant,
        call_id=f"call-{i // 10}",
        customer_id=f"cust-{(i // 10) % 1000}",
        chunk_index=i % 10,
        speaker_role=1 + i % 2,
        speaker_identity="caller-1" if i % 2 == 0 else "agent-1",
        text=text,
        start_offset_ms=(i % 10) * 15_000,
        end_offset_ms=(i % 10) * 15_000 + 9_000,
        # Calls spread over the year before 2026-11-01.
        call_started_at_us=1_761_955_200_000_000 + (i // 10) * 3_153_600_000_000 // 10_000,
        first_seq=i % 10 * 2 + 1,
        last_seq=i % 10 * 2 + 2,
    )


def fill(path: Path, chunks: int) -> tuple[float, float]:
    """`chunks` points near real embeddings of support-call lines, over `TENANTS` tenants; the
    server's tenant `bench` holds every tenth. Returns what the open store holds in memory per
    chunk, in KiB: resident, and of that anonymous (not pages of its mapped files)."""
    embedder = MiniLMEmbedder()
    lines = [t for call in segments(2_000) for _, t in call]
    base = np.asarray(embedder.embed(lines), dtype=np.float32)
    rng = np.random.default_rng(7)
    rss, anon = rss_bytes(os.getpid()), rss_bytes(os.getpid(), "RssAnon")
    store = open_vector_store(path=str(path), dimension=embedder.dimension, collection=COLLECTION)
    for start in range(0, chunks, 1_000):
        ids = range(start, min(start + 1_000, chunks))
        picks = base[[i % len(base) for i in ids]]
        noisy = picks + rng.normal(0, 0.02, picks.shape).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        batch = [
            _chunk(
                i, lines[i % len(lines)], tenant="bench" if i % TENANTS == 0 else f"t{i % TENANTS}"
            )
            for i in ids
        ]
        store.upsert(batch, noisy.tolist())
    per_chunk = (
        (rss_bytes(os.getpid()) - rss) / chunks / 1024,
        (rss_bytes(os.getpid(), "RssAnon") - anon) / chunks / 1024,
    )
    store.close()
    return per_chunk


async def search_latency(target: str, queries: int) -> dict[str, list[float]]:
    client = Client(target, api_key=API_KEY)
    results: dict[str, list[float]] = {"plain": [], "customer": [], "time range": []}
    rng = random.Random(3)
    try:
        await client.context.SearchContext(context_service_pb2.SearchContextRequest(query="warm"))
        for i in range(queries):
            request = context_service_pb2.SearchContextRequest(query=rng.choice(QUERIES))
            kind = ("plain", "customer", "time range")[i % 3]
            if kind == "customer":
                request.customer_id = f"cust-{rng.randrange(1000)}"
            elif kind == "time range":
                request.start_time.FromSeconds(1_770_000_000)
                request.end_time.FromSeconds(1_780_000_000)
            start = time.perf_counter()
            response = await client.context.SearchContext(request)
            results[kind].append(time.perf_counter() - start)
            assert kind != "plain" or len(response.snippets) == 10
    finally:
        await client.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=2_000)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    rates, texts = throughput(args.segments)
    print(f"throughput over {rates['segments']:.0f} segments (1 process, batches of {BATCH}):")
    for stage in ("redact", "embed", "index", "pipeline"):
        print(f"  {stage:<9} {rates[stage]:8.0f} segments/s")
    async with embedding_standin() as url:
        embed_us, index_us = await asyncio.to_thread(provider_cost, url, texts)
    print(
        f"by a provider (text-embedding-3-small, 1,536 dimensions; CPU of the asking thread): "
        f"embed {embed_us:.0f} µs, index {index_us:.0f} µs per segment"
    )

    with tempfile.TemporaryDirectory(prefix="wt-history-") as tmp:
        started = time.perf_counter()
        memory, anonymous = fill(Path(tmp) / "qdrant", args.chunks)
        print(
            f"filled {args.chunks} chunks in {time.perf_counter() - started:.1f} s; the open "
            f"store holds {memory:.1f} KiB per chunk in memory ({anonymous:.1f} anonymous)"
        )
        async with server_process(data_dir=Path(tmp)) as server:
            latencies = await search_latency(server.target, args.queries)
    print(f"SearchContext at {args.chunks} chunks ({TENANTS} tenants), gRPC on loopback:")
    for kind, values in latencies.items():
        print(f"  {kind:<11} {describe_ms(values)}")


if __name__ == "__main__":
    asyncio.run(main())
