"""Live transcription on this machine, offline STT (Whisper tiny.en + Silero VAD).

    python -m bench.transcription [--calls 3] [--max-concurrent 32]
    python -m bench.transcription --together 1 2 4 6     # only the whole stack, N calls at once
    python -m bench.transcription --calls 0 --inference-threads 2 --stt-threads 1   # capacity only

Two parts:

live      The whole stack on a local livekit-server: a caller and an agent speak the scripted
          support call (Piper speech) into a room; the media worker transcribes it into the
          server. Per utterance: end of the utterance (its last sample played out by the
          speaker) -> the segment stored at the server (its SegmentAdded event received by a
          watcher). The floor is the VAD's end-of-speech silence (0.5 s). Also the CPU the
          worker's processes use per live call, against the call's length.
together  N live calls at once through the whole stack (starts staggered by 1.1 s): the
          latency as above, whether the last utterance of each call keeps up, and the worker's
          memory (all its processes, RSS and PSS) idle and at its peak: per additional call.
capacity  K calls transcribed at once by one process sharing one Whisper model, each fed its
          audio at real time: the lag from the end of each utterance to its final transcript.
          The model runs as the worker runs it: a shared runner on `--inference-threads` (2)
          threads of `--stt-threads` (2) CPU threads each, that every call sends its utterances
          to, one at a time per call; or, with `--inference-threads 0`, as the worker ran it
          before: on one inference thread. The process keeps up
          while the p95 lag stays flat; the largest such K is what one box transcribes here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psutil
from livekit import rtc
from livekit.agents import stt

from bench.common import describe_ms, percentile
from bench.stack import running_stack
from tests.server.livekit_helpers import (
    AGENT,
    CALLER,
    Speaker,
    dispose_native_runtime,
    new_call,
    token,
)
from tests.speech import SAMPLE_RATE, Line, script_lines, word_error_rate
from warmtransfer.client import Client
from warmtransfer.pipeline.transcription.whisper_stt import WhisperSTT, load_vad
from warmtransfer.pipeline.worker.shared_models import WhisperRunner
from warmtransfer.v1 import call_service_pb2, transcript_service_pb2

GAP_S = 0.7  # between turns


def process_tree(root: int) -> dict[int, tuple[float, int]]:
    """A process and its live descendants: pid -> (CPU seconds so far, RSS bytes)."""
    parents: dict[int, int] = {}
    usage: dict[int, tuple[float, int]] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        usage[int(entry.name)] = (cpu, int(fields[21]) * page)

    def descends(pid: int) -> bool:
        while pid > 1:
            if pid == root:
                return True
            pid = parents.get(pid, 0)
        return False

    return {pid: use for pid, use in usage.items() if descends(pid)}


def tree_cpu_seconds(root: int) -> float:
    return sum(cpu for cpu, _ in process_tree(root).values())


async def live_call(
    wt: Client, url: str, worker_pid: int, lines: list[Line], *, report: bool = True
) -> tuple[list[float], float, float]:
    """One call: the latencies of its segments, the worker's CPU (cores) and the WER."""
    call = await new_call(wt)
    stored: list[float] = []
    texts: list[str] = []
    arrived = asyncio.Event()

    async def watch() -> None:
        request = transcript_service_pb2.WatchCallRequest(call_id=call.call_id)
        async for event in wt.transcripts.WatchCall(request):
            if event.HasField("segment_added"):
                stored.append(time.perf_counter())
                texts.append(event.segment_added.segment.text)
                arrived.set()

    watcher = asyncio.create_task(watch())
    speakers = {
        "caller": await Speaker("maria", SAMPLE_RATE).join(
            url, await token(wt, call.call_id, "maria", CALLER)
        ),
        "agent": await Speaker("agent-a", SAMPLE_RATE).join(
            url, await token(wt, call.call_id, "agent-a", AGENT)
        ),
    }
    cpu_before, t_before = tree_cpu_seconds(worker_pid), time.perf_counter()
    ends: list[float] = []
    for line in lines:
        await speakers[line.speaker].say(line.pcm)
        ends.append(time.perf_counter())
        await speakers[line.speaker].say(np.zeros(int(SAMPLE_RATE * GAP_S), np.int16))
    async with asyncio.timeout(60):
        while len(stored) < len(lines):
            arrived.clear()
            await arrived.wait()
    cores = (tree_cpu_seconds(worker_pid) - cpu_before) / (time.perf_counter() - t_before)
    rss = sorted(r for _, r in process_tree(worker_pid).values())
    if report:
        print(
            "transcription live: worker processes' RSS during the call: "
            + ", ".join(f"{r / 2**20:.0f} MiB" for r in rss)
        )
    for speaker in speakers.values():
        await speaker.leave()
    await wt.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call.call_id))
    watcher.cancel()
    if len(stored) != len(ends):  # an utterance cut in two (or two run together): no latency
        print(f"transcription live: {len(stored)} segments for {len(ends)} utterances: {texts}")
        latencies = []
    else:
        latencies = [s - e for s, e in zip(stored, ends, strict=True)]
    return latencies, cores, word_error_rate([line.text for line in lines], texts)


async def live(calls: int, lines: list[Line]) -> None:
    latencies: list[float] = []
    cpu_per_call: list[float] = []
    wers: list[float] = []
    async with running_stack() as stack:
        for _ in range(calls):
            lat, cores, wer = await live_call(
                stack.client, stack.livekit.url, stack.worker.pid, lines
            )
            latencies.extend(lat)
            cpu_per_call.append(cores)
            wers.append(wer)
    dispose_native_runtime()
    print(f"transcription live: {calls} calls x {len(lines)} utterances on a local livekit-server")
    print(f"transcription live: end of utterance -> segment stored: {describe_ms(latencies)}")
    print(
        "transcription live: worker CPU per live call (cores, whole call incl. silences): "
        f"{', '.join(f'{c:.3f}' for c in cpu_per_call)}"
    )
    print(f"transcription live: word error rate per call: {', '.join(f'{w:.3f}' for w in wers)}")


async def one_call(engine: WhisperSTT, lines: list[Line], offset: float) -> list[float]:
    """Feed one call's audio at real time into a stream; lags of its finals."""
    stream = engine.stream()
    step = SAMPLE_RATE // 100
    audio = np.concatenate(
        [p for line in lines for p in (line.pcm, np.zeros(int(SAMPLE_RATE * GAP_S), np.int16))]
    )
    ends_s, at = [], 0.0  # where each utterance ends in the call's audio
    for line in lines:
        at += len(line.pcm) / SAMPLE_RATE
        ends_s.append(at)
        at += GAP_S
    started: list[float] = []
    lags: list[float] = []

    async def feed() -> None:
        await asyncio.sleep(offset)  # calls do not all start in the same instant
        started.append(time.perf_counter())
        for i in range(0, len(audio), step):
            chunk = audio[i : i + step]
            stream.push_frame(rtc.AudioFrame(chunk.tobytes(), SAMPLE_RATE, 1, len(chunk)))
            ahead = started[0] + (i + len(chunk)) / SAMPLE_RATE - time.perf_counter()
            if ahead > 0:
                await asyncio.sleep(ahead)
        stream.end_input()

    feeding = asyncio.create_task(feed())
    done: set[int] = set()
    async for event in stream:
        if event.type != stt.SpeechEventType.FINAL_TRANSCRIPT:
            continue
        # The final that closes a line ends where the line does (a long pause inside a line
        # may close a final there first: not an utterance's end, not counted).
        end = event.alternatives[0].end_time
        ended = min(range(len(ends_s)), key=lambda i: abs(ends_s[i] - end))
        if abs(ends_s[ended] - end) < 0.6 and ended not in done:
            done.add(ended)
            lags.append(time.perf_counter() - started[0] - ends_s[ended])
    await feeding
    await stream.aclose()
    return lags


async def capacity(
    max_concurrent: int, lines: list[Line], *, inference_threads: int, stt_threads: int
) -> None:
    """K calls at once on one Whisper model. With `inference_threads` 0, one `WhisperSTT`
    serves them all on its one inference thread; otherwise each call has a `WhisperSTT` of its
    own that sends its utterances to a shared runner on that many threads, as the worker's
    calls send them to its inference process (`worker.shared_models`)."""
    vad = load_vad()
    engines: list[WhisperSTT]
    if inference_threads == 0:
        engine = WhisperSTT(cpu_threads=stt_threads, vad=vad)
        engine.prewarm()
        engines = [engine] * max_concurrent
        how = f"one inference thread of {stt_threads} CPU threads"
    else:
        runner = WhisperRunner()
        with _env("WARMTRANSFER_STT_THREADS", str(stt_threads)):
            runner.initialize()
        pool = ThreadPoolExecutor(inference_threads, thread_name_prefix="inference")

        async def inference(method: str, data: bytes) -> bytes:
            return await asyncio.get_running_loop().run_in_executor(pool, runner.run, data)

        engines = [WhisperSTT(vad=vad, inference=inference) for _ in range(max_concurrent)]
        how = (
            f"a shared runner on {inference_threads} threads of {stt_threads} CPU threads each,"
            " each call's utterances one at a time"
        )
    print(f"transcription capacity: K calls in one process, real-time audio, {how}")
    for k in (k for k in (1, 2, 4, 6, 8, 12, 16, 20, 24, 32) if k <= max_concurrent):
        results = await asyncio.gather(
            *(one_call(engines[i], lines, offset=i * 0.37) for i in range(k))
        )
        lags = [lag for call in results for lag in call]
        last = [call[-1] for call in results if call]
        p95 = percentile(lags, 95)
        print(
            f"transcription capacity: K={k:2}: utterance end -> final "
            f"p50 {percentile(lags, 50) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"last utterance p50 {percentile(last, 50) * 1000:.0f} ms"
            f" (n={len(lags)} of {k * len(lines)} lines)"
        )
        if p95 > 5.0:
            break
    for engine in set(engines):
        await engine.aclose()


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


def tree_memory(root: int) -> tuple[int, int]:
    """(RSS, PSS) summed over the process tree. RSS counts a page shared by several processes
    (the libraries, what the fork server loaded before forking) once in each; PSS divides it
    among them, so its sum is what the tree takes from the machine."""
    rss = pss = 0
    for pid in process_tree(root):
        try:
            info = psutil.Process(pid).memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        pss += info.pss
    return rss, pss


async def together(counts: list[int], lines: list[Line]) -> None:
    """N live calls at once, for each N, each on a fresh stack."""
    for n in counts:
        await calls_at_once(n, lines)
    dispose_native_runtime()


async def calls_at_once(n: int, lines: list[Line]) -> None:
    async with running_stack() as stack:
        pid = stack.worker.pid
        await asyncio.sleep(5)  # the worker's warm job runners settle
        idle = peak = tree_memory(pid)
        cpu0, t0 = tree_cpu_seconds(pid), time.perf_counter()

        async def sample() -> None:
            nonlocal peak
            while True:
                rss, pss = tree_memory(pid)
                peak = (max(peak[0], rss), max(peak[1], pss))
                await asyncio.sleep(0.5)

        async def one(i: int) -> tuple[list[float], float, float]:
            await asyncio.sleep(1.1 * i)
            return await live_call(stack.client, stack.livekit.url, pid, lines, report=False)

        sampler = asyncio.create_task(sample())
        results = await asyncio.gather(*(one(i) for i in range(n)))
        cores = (tree_cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0)
        sampler.cancel()
    latencies = [lat for result in results for lat in result[0]]
    last = [result[0][-1] for result in results if result[0]]
    timed = (
        f"end of utterance -> segment stored: {describe_ms(latencies)};"
        f" last utterance of each call: {describe_ms(last)}"
        if latencies
        else "no call's segments matched its utterances one to one"
    )
    print(
        f"transcription together: {n} calls ({len(last)} cut as spoken, timed): {timed};"
        f" worker {cores:.2f} cores;"
        + "".join(
            f" worker {kind} idle {idle[i] / 2**20:.0f} MiB, peak {peak[i] / 2**20:.0f} MiB,"
            f" {(peak[i] - idle[i]) / 2**20 / n:.0f} MiB per call;"
            for i, kind in enumerate(("RSS", "PSS"))
        )
        + f" WER {', '.join(f'{r[2]:.3f}' for r in results)}"
    )


async def main(
    calls: int, max_concurrent: int, counts: list[int], inference_threads: int, stt_threads: int
) -> None:
    lines = await script_lines()
    if counts:
        await together(counts, lines)
        return
    await capacity(
        max_concurrent, lines, inference_threads=inference_threads, stt_threads=stt_threads
    )
    if calls:
        await live(calls, lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--max-concurrent", type=int, default=32)
    parser.add_argument("--together", type=int, nargs="*", default=[])
    parser.add_argument("--inference-threads", type=int, default=2)
    parser.add_argument("--stt-threads", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(
        main(
            args.calls,
            args.max_concurrent,
            args.together,
            args.inference_threads,
            args.stt_threads,
        )
    )
