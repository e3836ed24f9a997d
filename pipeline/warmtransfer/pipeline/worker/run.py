"""`warmtransfer agent`: run the media worker against LIVEKIT_URL (the local dev server by
default), registered under the agent name the server dispatches to (configuration: `config`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Mapping

from livekit.agents import JobExecutorType, Worker, WorkerOptions

from warmtransfer.pipeline.worker import shared_models
from warmtransfer.pipeline.worker.config import WorkerConfig
from warmtransfer.pipeline.worker.jobs import AGENT_NAME, entrypoint, prewarm, request
from warmtransfer.pipeline.worker.load import JobsLoad

__all__ = ["run_worker"]

log = logging.getLogger(__name__)


def working_pids(worker: Worker) -> list[int]:
    """The processes doing the jobs' work now: those running a job (not those kept warm) and
    the shared inference process (`shared_models`). livekit-agents has no public way to list
    them: its process pool is read, as its own `active_jobs` does."""
    pids = [
        getattr(proc, "pid", None)
        for proc in worker._proc_pool.processes
        if proc.running_job is not None
    ]
    pids.append(getattr(worker._inference_executor, "pid", None))
    return [pid for pid in pids if pid is not None]


async def run_worker(env: Mapping[str, str] | None = None) -> None:
    config = WorkerConfig.from_env(env)
    shared_models.register()
    # For the processes started from here on (the fork server, so every job process): glibc
    # otherwise gives each thread that allocates (WebRTC's, ONNX Runtime's, gRPC's) an arena of
    # its own, and a call's process keeps tens of MiB of them partly used.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    loads = JobsLoad()
    options = WorkerOptions(
        entrypoint_fnc=entrypoint,
        request_fnc=request,
        prewarm_fnc=prewarm,
        # What the running jobs cost (see `load`), not the machine's CPU: the default measure
        # counts everything on the box, the job processes starting included, and a worker that
        # reads full is not sent new jobs (self-hosted LiveKit does not dispatch them later).
        load_fnc=lambda worker: loads.load(working_pids(worker)),
        load_threshold=config.load_threshold,
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
