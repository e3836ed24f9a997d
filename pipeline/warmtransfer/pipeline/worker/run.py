"""`warmtransfer agent`: run the media worker against LIVEKIT_URL (the local dev server by
default), registered under the agent name the server dispatches to (configuration: `config`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping

from livekit.agents import JobExecutorType, Worker, WorkerOptions

from warmtransfer.pipeline.worker.config import WorkerConfig
from warmtransfer.pipeline.worker.jobs import AGENT_NAME, entrypoint, prewarm, request

__all__ = ["run_worker"]

log = logging.getLogger(__name__)
MAX_JOBS = 40  # concurrent jobs per worker process (a call's transcription or one briefing each)


def job_load(worker: Worker) -> float:
    return min(len(worker.active_jobs) / MAX_JOBS, 1.0)


async def run_worker(env: Mapping[str, str] | None = None) -> None:
    config = WorkerConfig.from_env(env)
    options = WorkerOptions(
        entrypoint_fnc=entrypoint,
        request_fnc=request,
        prewarm_fnc=prewarm,
        # Load by jobs, not CPU: the default CPU measure, on a small machine that is also
        # spawning job processes, reads as full, and LiveKit then drops dispatches for good.
        load_fnc=job_load,
        agent_name=AGENT_NAME,
        ws_url=config.livekit_url,
        api_key=config.api_key,
        api_secret=config.api_secret,
        port=config.health_port,
        # A process per job (livekit-agents' default); two kept warm, models and voice loaded,
        # so a new call's transcription and a transfer's briefing start at once.
        job_executor_type=JobExecutorType.PROCESS,
        num_idle_processes=2,
    )
    worker = Worker(options, devmode=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = asyncio.create_task(worker.run())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({runner, stopping}, return_when="FIRST_COMPLETED")
    stopping.cancel()
    await worker.aclose()
    if stop.is_set():  # asked to stop (SIGTERM, SIGINT): a clean exit, whatever the runner says
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await runner
        log.info("worker stopped")
        return
    runner.result()  # it ended on its own: its error, if any, is the exit's
