"""`warmtransfer agent`: run the media worker against LIVEKIT_URL (the local dev server by
default), registered under the agent name the server dispatches to.

WARMTRANSFER_WORKER_HEALTH_PORT: the port of the worker's health check (`GET /` answers 200 while
the worker runs; livekit-agents serves it); unset or 0, any free port (the dev default).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Mapping

from livekit.agents import JobExecutorType, Worker, WorkerOptions

from warmtransfer.pipeline.worker.jobs import AGENT_NAME, entrypoint, prewarm, request

__all__ = ["run_worker"]

log = logging.getLogger(__name__)
DEV_URL, DEV_KEY, DEV_SECRET = (
    "ws://127.0.0.1:7880",
    "devkey",
    "warmtransfer-dev-secret-not-for-production",
)


MAX_JOBS = 40  # concurrent jobs per worker process (a music loop or one TTS briefing each)


def job_load(worker: Worker) -> float:
    return min(len(worker.active_jobs) / MAX_JOBS, 1.0)


def health_port(env: Mapping[str, str]) -> int:
    raw = env.get("WARMTRANSFER_WORKER_HEALTH_PORT", "").strip() or "0"
    if not raw.isdigit() or int(raw) > 65535:
        raise SystemExit(f"WARMTRANSFER_WORKER_HEALTH_PORT: {raw!r} is not a port (0 to 65535)")
    return int(raw)


async def run_worker(env: Mapping[str, str] | None = None) -> None:
    env = os.environ if env is None else env
    options = WorkerOptions(
        entrypoint_fnc=entrypoint,
        request_fnc=request,
        prewarm_fnc=prewarm,
        # Load by jobs, not CPU: the default CPU measure, on a small machine that is also
        # spawning job processes, reads as full, and LiveKit then drops dispatches for good.
        load_fnc=job_load,
        agent_name=AGENT_NAME,
        ws_url=env.get("LIVEKIT_URL") or DEV_URL,
        api_key=env.get("LIVEKIT_API_KEY") or DEV_KEY,
        api_secret=env.get("LIVEKIT_API_SECRET") or DEV_SECRET,
        port=health_port(env),
        # A process per job (livekit-agents' default); two kept warm, voice loaded, so a
        # transfer's two jobs (hold music, briefing) start at once.
        job_executor_type=JobExecutorType.PROCESS,
        num_idle_processes=2,
    )
    worker = Worker(options, devmode=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = asyncio.create_task(worker.run())
    await asyncio.wait({runner, asyncio.ensure_future(stop.wait())}, return_when="FIRST_COMPLETED")
    await worker.aclose()
    if runner.done():
        runner.result()
