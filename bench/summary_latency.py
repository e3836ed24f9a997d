"""Briefing latency: the precomputed rolling summary versus summarizing on demand.

1,000 live calls (each with a transcript already `--history` segments long) keep receiving final
segments at 0.5 per second each, while a client asks for briefings:
  * precomputed: `GetSummary` (summary kept fresh in the background + pending segments);
  * on demand:   what a system without a rolling summary does at click time: read the whole
                 transcript (`GetTranscript`) and summarize it from scratch (the offline
                 summarizer, the same one the server runs).
Both are measured in the same run, on the same calls, interleaved. Also reports the server's
memory per live call.

    python -m bench.summary_latency [--calls 1000] [--history 60] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from bench.common import (
    API_KEY,
    config,
    describe_ms,
    percentile,
    rss_bytes,
    script_segment,
    server_process,
)
from warmtransfer.client import Client
from warmtransfer.pipeline.summary.offline import OfflineSummarizer
from warmtransfer.server.summary_storage import segment_from_proto
from warmtransfer.v1 import call_service_pb2, summary_service_pb2, transcript_service_pb2


async def main(calls: int, history: int, seconds: float, rate: float, samples_per_s: float) -> None:
    async with server_process() as server, Client(server.target, api_key=API_KEY) as client:
        rss_empty = rss_bytes(server.pid)
        call_ids = [
            (
                await client.calls.CreateCall(
                    call_service_pb2.CreateCallRequest(customer_id=f"c{i}")
                )
            ).call.call_id
            for i in range(calls)
        ]
        # One long-lived ingest stream per call, as a transcription worker keeps.
        streams = [client.transcripts.StreamTranscript() for _ in call_ids]
        for stream, call_id in zip(streams, call_ids, strict=True):
            await stream.write(config(call_id))

        async def send(i: int, seq: int) -> None:
            await streams[i].write(script_segment(seq))
            await streams[i].read()

        for start in range(1, history + 1, 10):  # preload the history, 10 segments a round
            await asyncio.gather(
                *(send(i, seq) for i in range(calls) for seq in range(start, start + 10))
            )
        rss_loaded = rss_bytes(server.pid)
        next_seq = [history + 1] * calls
        stop = asyncio.Event()

        async def live_call(i: int) -> None:
            await asyncio.sleep(random.random() / rate)  # spread the calls over the period
            while not stop.is_set():
                await send(i, next_seq[i])
                next_seq[i] += 1
                await asyncio.sleep(1 / rate)

        summarizer = OfflineSummarizer()
        precomputed: list[float] = []
        on_demand: list[float] = []
        lag: list[int] = []

        async def sampler() -> None:
            while not stop.is_set():
                call_id = random.choice(call_ids)
                t0 = time.perf_counter()
                response = await client.summaries.GetSummary(
                    summary_service_pb2.GetSummaryRequest(call_id=call_id)
                )
                precomputed.append(time.perf_counter() - t0)
                lag.append(len(response.pending_segments))
                t0 = time.perf_counter()
                transcript = await client.transcripts.GetTranscript(
                    transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
                )
                await summarizer.update(None, [segment_from_proto(s) for s in transcript.segments])
                on_demand.append(time.perf_counter() - t0)
                await asyncio.sleep(1 / samples_per_s)

        tasks = [asyncio.create_task(live_call(i)) for i in range(calls)]
        sampling = asyncio.create_task(sampler())
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.gather(*tasks, sampling)
        rss_live = rss_bytes(server.pid)
        for stream in streams:
            await stream.done_writing()
        sent = sum(next_seq) - calls * (history + 1)

    print(
        f"summary: {calls} live calls, {history} segments of history each, {rate}/s each "
        f"for {seconds:.0f} s ({sent} live segments)"
    )
    print(f"summary: precomputed GetSummary: {describe_ms(precomputed)}")
    print(f"summary: on demand (GetTranscript + offline summarizer): {describe_ms(on_demand)}")
    ratio50 = percentile(on_demand, 50) / percentile(precomputed, 50)
    ratio99 = percentile(on_demand, 99) / percentile(precomputed, 99)
    print(f"summary: on-demand / precomputed: {ratio50:.1f}x at p50, {ratio99:.1f}x at p99")
    print(
        f"summary: pending segments per briefing: p50 {percentile(lag, 50):.0f}, "
        f"p99 {percentile(lag, 99):.0f}"
    )
    print(
        f"memory: server RSS {rss_empty / 2**20:.0f} MiB empty, {rss_loaded / 2**20:.0f} MiB "
        f"with {calls} calls loaded, {rss_live / 2**20:.0f} MiB live; "
        f"{(rss_live - rss_empty) / calls / 1024:.1f} KiB per live call"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--history", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=0.5, help="segments per second per call")
    parser.add_argument("--samples-per-s", type=float, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.history, args.seconds, args.rate, args.samples_per_s))
