"""Briefing latency: the precomputed rolling summary versus summarizing on demand.

500 live calls (each with a transcript already `--history` segments long) keep receiving final
segments at 0.5 per second each, driven by a separate load process, while this process asks for
briefings:
  * precomputed: `GetSummary` (summary kept fresh in the background + pending segments), once
                 after an idle gap (as a click comes) and once right after (a warm client);
  * on demand:   what a system without a rolling summary does at click time: read the whole
                 transcript (`GetTranscript`) and summarize it from scratch (the offline
                 summarizer, the same one the server runs).
  * on demand with an LLM (`--local-llm`): the same, summarized by an LLM at click time (the
                 product brief's MVP and LiveKit's `WarmTransferTask` do this): Gemma 3 270M on
                 a local llama.cpp server on the same 2 cores, one request per briefing. A
                 hosted model adds network time and its own queueing to this.
Both are measured in the same run, on the same calls, interleaved. Also reports the server's
memory per live call. 500 calls, not 1,000: with the embedding on this machine a 2-core box
saturates before 1,000 (`bench.live`), and a saturated box measures its backlog, not briefings.

    python -m bench.summary_latency [--calls 500] [--history 60] [--seconds 30] [--local-llm]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import time
from pathlib import Path

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
from warmtransfer.pipeline.summary.llm import LLMSettings, LLMSummarizer, build_llm
from warmtransfer.pipeline.summary.model import SummarizerError
from warmtransfer.pipeline.summary.offline import OfflineSummarizer
from warmtransfer.server.summary_storage import segment_from_proto
from warmtransfer.v1 import call_service_pb2, summary_service_pb2, transcript_service_pb2

LLM_SAMPLES = 5  # LLM briefings on demand per run, after the other samples (each takes seconds)


async def load(target: str, calls: int, history: int, rate: float, ids_file: Path) -> None:
    """The load process: create calls, preload history, then stream live until SIGTERM."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with Client(target, api_key=API_KEY) as client:
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

        async def send(i: int, *seqs: int) -> None:
            for seq in seqs:
                await streams[i].write(script_segment(seq))
            for _ in seqs:
                await streams[i].read()

        for start in range(1, history + 1, 10):  # preload the history, 10 segments a round
            batch = range(start, min(start + 10, history + 1))
            await asyncio.gather(*(send(i, *batch) for i in range(calls)))
        ids_file.write_text(json.dumps(call_ids))
        print("READY", flush=True)
        sent = 0

        async def live_call(i: int) -> None:
            nonlocal sent
            seq = history + 1
            await asyncio.sleep(random.random() / rate)  # spread the calls over the period
            while not stop.is_set():
                await send(i, seq)
                seq += 1
                sent += 1
                await asyncio.sleep(1 / rate)

        await asyncio.gather(*(live_call(i) for i in range(calls)))
        for stream in streams:
            await stream.done_writing()
    print(f"SENT {sent}", flush=True)


async def main(
    calls: int, history: int, seconds: float, rate: float, samples_per_s: float, local_llm: bool
) -> None:
    if not local_llm:
        await measure(calls, history, seconds, rate, samples_per_s, None)
        return
    from tests.llama_server import MODEL_NAME, running_llama

    async with running_llama() as url:
        llm = build_llm(
            LLMSettings(model=MODEL_NAME, base_url=url, timeout_s=300, max_output_tokens=300)
        )
        try:
            await measure(calls, history, seconds, rate, samples_per_s, llm)
        finally:
            await llm.aclose()


async def measure(
    calls: int,
    history: int,
    seconds: float,
    rate: float,
    samples_per_s: float,
    llm: LLMSummarizer | None,
) -> None:
    llm_on_demand: list[float] = []
    llm_failed = 0
    async with server_process() as server, Client(server.target, api_key=API_KEY) as client:
        rss_empty = rss_bytes(server.pid)
        ids_file = server.data_dir / "call-ids.json"
        loader = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.summary_latency", "--role", "load",
            "--target", server.target, "--calls", str(calls), "--history", str(history),
            "--rate", str(rate), "--ids-file", str(ids_file),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert loader.stdout is not None
        ready = await asyncio.wait_for(loader.stdout.readline(), timeout=1800)
        assert ready.strip() == b"READY", ready
        call_ids: list[str] = json.loads(ids_file.read_text())
        rss_loaded = rss_bytes(server.pid)

        summarizer = OfflineSummarizer()
        precomputed: list[float] = []
        on_demand: list[float] = []
        lag: list[int] = []
        first: list[float] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            call_id = random.choice(call_ids)
            t0 = time.perf_counter()
            await client.summaries.GetSummary(
                summary_service_pb2.GetSummaryRequest(call_id=call_id)
            )
            first.append(time.perf_counter() - t0)
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
            said = [segment_from_proto(s) for s in transcript.segments]
            await summarizer.update(None, said)
            on_demand.append(time.perf_counter() - t0)
            await asyncio.sleep(1 / samples_per_s)
        # Then, the load still running, briefings by LLM at click time (each takes seconds).
        while llm is not None and len(llm_on_demand) < LLM_SAMPLES:
            call_id = random.choice(call_ids)
            t0 = time.perf_counter()
            transcript = await client.transcripts.GetTranscript(
                transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
            )
            try:
                await llm.update(None, [segment_from_proto(s) for s in transcript.segments])
            except SummarizerError:  # nonsense from the tiny model still took the time
                llm_failed += 1
            llm_on_demand.append(time.perf_counter() - t0)
        rss_live = rss_bytes(server.pid)
        loader.send_signal(signal.SIGTERM)
        tail, _ = await asyncio.wait_for(loader.communicate(), timeout=120)
        sent = tail.decode().split()[-1]

    print(
        f"summary: {calls} live calls, {history} segments of history each, {rate}/s each "
        f"for {seconds:.0f} s ({sent} live segments)"
    )
    print(f"summary: precomputed GetSummary, first after an idle gap: {describe_ms(first)}")
    print(f"summary: precomputed GetSummary, right after: {describe_ms(precomputed)}")
    print(f"summary: on demand (GetTranscript + offline summarizer): {describe_ms(on_demand)}")
    for label, values in (("after an idle gap", first), ("right after", precomputed)):
        ratio50 = percentile(on_demand, 50) / percentile(values, 50)
        ratio99 = percentile(on_demand, 99) / percentile(values, 99)
        print(
            f"summary: on-demand / precomputed ({label}): "
            f"{ratio50:.1f}x at p50, {ratio99:.1f}x at p99"
        )
    if llm_on_demand:
        print(
            f"summary: on demand with an LLM (GetTranscript + {llm.name if llm else ''} at click "
            f"time): {describe_ms(llm_on_demand)} ({llm_failed} unusable answers)"
        )
        for label, values in (("after an idle gap", first), ("right after", precomputed)):
            ratio50 = percentile(llm_on_demand, 50) / percentile(values, 50)
            ratio99 = percentile(llm_on_demand, 99) / percentile(values, 99)
            print(
                f"summary: LLM on-demand / precomputed ({label}): "
                f"{ratio50:.0f}x at p50, {ratio99:.0f}x at p99"
            )
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
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--history", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=0.5, help="segments per second per call")
    parser.add_argument("--samples-per-s", type=float, default=20)
    parser.add_argument("--local-llm", action="store_true", help="also on demand with an LLM")
    parser.add_argument("--role", choices=["measure", "load"], default="measure")
    parser.add_argument("--target", help="(load role) server address")
    parser.add_argument("--ids-file", type=Path, help="(load role) where to write the call ids")
    args = parser.parse_args()
    if args.role == "load":
        asyncio.run(load(args.target, args.calls, args.history, args.rate, args.ids_file))
    else:
        asyncio.run(
            main(
                args.calls,
                args.history,
                args.seconds,
                args.rate,
                args.samples_per_s,
                args.local_llm,
            )
        )
