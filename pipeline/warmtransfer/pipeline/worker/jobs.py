"""The worker's jobs, dispatched by the server through LiveKit's agent dispatch (what each job
is, and the room metadata and data messages around it, are in `protocol`).

- `TranscribeJob` (`transcribe`): in every call room from its start, transcribing its people into
  the server, and playing the hold music when the room's metadata asks for it (`hold`).
  The transcriber also briefs each transfer of the call in its consult room, when the call
  room's metadata names one (`briefing.CallRoomBriefer`).
- `BriefingJob`: dispatched into a transfer's consult room when the call room has no
  transcriber to brief it; it speaks the same briefing (`briefing.speak_briefing`).

The worker is a client of LiveKit and of the server's public API (with the call-scoped token
its transcription job carries): it never reads the server's internals, and what it knows about a
call comes in the job's metadata and its rooms' metadata. The worker's participants are named
`warmtransfer-*`, so transcription ignores them.
"""

from __future__ import annotations

import logging

from livekit.agents import AutoSubscribe, JobContext, JobProcess, JobRequest

from warmtransfer.pipeline.transcription.providers import build_stt
from warmtransfer.pipeline.voice.hold_music import hold_music_loop
from warmtransfer.pipeline.voice.providers import build_tts
from warmtransfer.pipeline.worker.briefing import speak_briefing
from warmtransfer.pipeline.worker.config import WorkerConfig
from warmtransfer.pipeline.worker.protocol import (
    AGENT_NAME,
    BriefingJob,
    Job,
    TranscribeJob,
)
from warmtransfer.pipeline.worker.shared_models import SharedInference
from warmtransfer.pipeline.worker.transcribe import transcribe_call

__all__ = ["AGENT_NAME", "entrypoint", "prewarm", "request"]

log = logging.getLogger(__name__)


async def request(req: JobRequest) -> None:
    """Take each known job under its well-known identity; refuse anything else."""
    job = Job.parse(req.job.metadata)
    if job is None:
        log.warning("rejecting a job the worker does not know: %.200r", req.job.metadata)
        await req.reject()
        return
    name = "Transcriber" if isinstance(job, TranscribeJob) else "Briefing"
    await req.accept(identity=job.IDENTITY, name=name)


def prewarm(proc: JobProcess) -> None:
    """Once per job process: the configuration, the TTS and the STT (their models in the
    worker's inference process, `shared_models`; the VAD loaded here), and the hold music's
    loop, ready for whichever job the process gets."""
    hold_music_loop()  # cached in the process
    config = WorkerConfig.from_env()
    inference = SharedInference()
    speech = build_tts(config.providers, inference=inference)
    warm = getattr(speech, "prewarm", None)
    if callable(warm):
        warm()
    proc.userdata["config"] = config
    proc.userdata["inference"] = inference
    proc.userdata["tts"] = speech
    proc.userdata["stt"] = build_stt(config.providers, prewarm=True, inference=inference)


async def entrypoint(ctx: JobContext) -> None:
    ctx.proc.userdata["inference"].attach(ctx.inference_executor)
    job = Job.parse(ctx.job.metadata)
    if isinstance(job, BriefingJob):
        await ctx.connect(auto_subscribe=AutoSubscribe.SUBSCRIBE_NONE)
        try:
            await speak_briefing(ctx.room, job, ctx.proc.userdata["tts"])
        finally:
            ctx.shutdown("briefing over")
    elif isinstance(job, TranscribeJob):
        config: WorkerConfig = ctx.proc.userdata["config"]
        userdata = ctx.proc.userdata
        await transcribe_call(ctx, job, userdata["stt"], userdata["tts"], config)
    else:
        ctx.shutdown("unknown job")
