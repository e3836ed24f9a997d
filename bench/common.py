"""Benchmark plumbing: a server in its own process, percentiles, and a result table."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from warmtransfer.demo import SCRIPT
from warmtransfer.v1 import transcript_pb2, transcript_service_pb2

API_KEY = "bench-key"


@dataclass(frozen=True, slots=True)
class ServerProcess:
    target: str
    pid: int
    data_dir: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def server_process(data_dir: Path | None = None, **env: str) -> AsyncIterator[ServerProcess]:
    """`warmtransfer serve` in a child process on a free port, with a fresh data dir (or
    `data_dir`, prepared by the caller)."""
    with tempfile.TemporaryDirectory(prefix="wt-bench-") as fresh:
        tmp = str(data_dir) if data_dir is not None else fresh
        port = free_port()
        child_env = (
            os.environ
            | {"WARMTRANSFER_API_KEYS": f"{API_KEY}=bench", "WARMTRANSFER_MEDIA": "none"}
            | env
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "warmtransfer.cli", "serve", "--log-level", "WARNING",
            "--listen", f"127.0.0.1:{port}", "--data-dir", tmp,
            env=child_env,
        )  # fmt: skip
        target = f"127.0.0.1:{port}"
        try:
            async with grpc.aio.insecure_channel(target) as channel:
                await asyncio.wait_for(
                    health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(), wait_for_ready=True
                    ),
                    timeout=60,
                )
            yield ServerProcess(target, process.pid, Path(tmp))
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()


def rss_bytes(pid: int, kind: str = "VmRSS") -> int:
    """Resident memory of `pid`: all of it (`VmRSS`), or only the anonymous part (`RssAnon`:
    heaps, not the pages of mapped files, which the kernel can drop and read back)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {kind}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    pids, i = [pid], 0
    while i < len(pids):
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{pids[i]}/task").iterdir():
                pids.extend(int(c) for c in (task / "children").read_text().split())
        i += 1
    return pids


def tree_usage(pid: int) -> tuple[float, int, int]:
    """CPU seconds, RSS and anonymous RSS bytes of `pid` and its descendants (workers)."""
    cpu, rss, anon = 0.0, 0, 0
    for p in process_tree(pid):
        with contextlib.suppress(OSError, RuntimeError):
            cpu += cpu_seconds(p)
            rss += rss_bytes(p)
            anon += rss_bytes(p, "RssAnon")
    return cpu, rss, anon


def cpu_by_process(pid: int) -> dict[str, float]:
    """CPU seconds of `pid` (as "server") and of its descendants by name: the workers go by their
    own names (`warmtransfer.server.workers`), numbered ones ("redaction-0") counted together."""
    by: dict[str, float] = {}
    for p in process_tree(pid):
        with contextlib.suppress(OSError, RuntimeError):
            comm = Path(f"/proc/{p}/comm").read_text().strip()
            name = "server" if p == pid else re.sub(r"-\d+$", "", comm)
            by[name] = by.get(name, 0.0) + cpu_seconds(p)
    return by


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def describe_ms(values: Sequence[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"p50 {percentile(ms, 50):.2f} ms, p95 {percentile(ms, 95):.2f} ms, "
        f"p99 {percentile(ms, 99):.2f} ms, "
        f"mean {statistics.fmean(ms):.2f} ms (n={len(ms)})"
    )


def script_segment(seq: int) -> transcript_service_pb2.StreamTranscriptRequest:
    """A realistic support-call utterance for position `seq` (the demo script, cycled)."""
    role, text = SCRIPT[(seq - 1) % len(SCRIPT)]
    return transcript_service_pb2.StreamTranscriptRequest(
        segment=transcript_pb2.TranscriptSegment(
            seq=seq,
            speaker_identity="caller" if role == transcript_pb2.SPEAKER_ROLE_CALLER else "agent",
            speaker_role=role,  # type: ignore[arg-type]
            text=text,
            is_final=True,
        )
    )


def config(call_id: str) -> transcript_service_pb2.StreamTranscriptRequest:
    return transcript_service_pb2.StreamTranscriptRequest(
        config=transcript_service_pb2.StreamTranscriptConfig(call_id=call_id)
    )


def measure_in_tree(module: str, tree: Path | None) -> dict[str, Any]:
    """Run `python -m <module> --measure` in a fresh process and read the JSON object it prints
    last; with `tree`, that tree's packages (server, pipeline, rag) are imported instead of
    this one's, while the benchmark's own code (and its input) stays this tree's."""
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ)
    if tree is not None:
        paths = [str(tree / part) for part in ("server", "pipeline", "rag")]
        env["PYTHONPATH"] = os.pathsep.join([*paths, str(root)])
    out = subprocess.run(
        [sys.executable, "-m", module, "--measure"],
        cwd=root, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measured_trees(
    module: str, doc: str | None, baseline_help: str
) -> dict[str, dict[str, Any]] | None:
    """The command line of a benchmark that measures this tree and, with `--baseline`, another
    one in the same sitting: each tree's `measure_in_tree` result by name, or None when this
    process is itself the measuring one (`--measure`: it prints its JSON and is done)."""
    import argparse

    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", help=baseline_help)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure = importlib.import_module(module).measure
        print(json.dumps(measure()))
        return None
    runs = {"this tree": measure_in_tree(module, None)}
    if args.baseline:
        runs[f"baseline ({args.baseline})"] = measure_in_tree(module, Path(args.baseline).resolve())
    return runs
