"""The worker's jobs, dispatched by the server through LiveKit's agent dispatch (what each job
is, and the room metadata and data messages around it, are in `protocol`).

- `TranscribeJob` (`transcribe`): in every call room from its start, transcribing its people into
  the server, and playing the hold music when the room's metadata asks for it (`hold`).
- `BriefingJob`: in a transfer's consult room from StartTransfer. The briefing's track is
  published and its speech synthesized while the job waits for B (again if a newer text arrives
  in the room's metadata), so B hears it the moment B's subscription to it is ready; B also gets
  it as a data message on arrival. A briefing is never spoken into an empty room: if the consult
  room closes first (the caller hung up, the transfer was cancelled) the job just ends.

The worker is a client of LiveKit and of the server's public API (with the call-scoped token
its transcription job carries): it never reads the server's internals, and what it knows about a
call comes in the job's metadata and its rooms' metadata. The worker's participants are named
`warmtransfer-*`, so transcription ignores them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from livekit import rtc
from livekit.agents import AutoSubscribe, JobContext, JobProcess, JobRequest, tts

from warmtransfer.pipeline.transcription.providers import build_stt
from warmtransfer.pipeline.voice.hold_music import hold_music_loop
from warmtransfer.pipeline.voice.providers import build_tts
from warmtransfer.pipeline.worker.config import WorkerConfig
from warmtransfer.pipeline.worker.protocol import (
    AGENT_NAME,
    BRIEFING_TOPIC,
    BriefingJob,
    BriefingMessage,
    ConsultRoomState,
    Job,
    TranscribeJob,
)
from warmtransfer.pipeline.worker.transcribe import transcribe_call

__all__ = ["AGENT_NAME", "entrypoint", "prewarm", "request"]

log = logging.getLogger(__name__)
SUBSCRIBE_WAIT_S = 1.0
"""On B's arrival, how long the briefing waits for the first subscription to its track before it
speaks anyway."""
LEAD_IN_S = 0.3
"""LiveKit tells a publisher of its track's first subscription only. When someone (A) had
subscribed well before B arrived, B's own subscription cannot be seen: the briefing then starts
after this lead-in, about what a subscription takes, so B hears its first words."""


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
    """Once per job process: the configuration, the TTS with its voice loaded, the STT with
    its model and VAD, and the hold music's loop, ready for whichever job the process gets."""
    hold_music_loop()  # cached in the process
    config = WorkerConfig.from_env()
    speech = build_tts(config.providers)
    warm = getattr(speech, "prewarm", None)
    if callable(warm):
        warm()
    proc.userdata["config"] = config
    proc.userdata["tts"] = speech
    proc.userdata["stt"] = build_stt(config.providers, prewarm=True)


async def entrypoint(ctx: JobContext) -> None:
    job = Job.parse(ctx.job.metadata)
    if isinstance(job, BriefingJob):
        await speak_briefing(ctx, job, ctx.proc.userdata["tts"])
    elif isinstance(job, TranscribeJob):
        config: WorkerConfig = ctx.proc.userdata["config"]
        await transcribe_call(ctx, job, ctx.proc.userdata["stt"], config.server)
    else:
        ctx.shutdown("unknown job")


class PreparedSpeech:
    """One text being synthesized in the background; its frames are kept as they come, so
    speaking can start (and replay from the start) whenever it is wanted."""

    def __init__(self, speech: tts.TTS[Any], text: str) -> None:
        self.text = text
        self._frames: list[rtc.AudioFrame] = []
        self._more = asyncio.Event()
        self._done = False
        self._task = asyncio.create_task(self._synthesize(speech))

    async def _synthesize(self, speech: tts.TTS[Any]) -> None:
        try:
            async with speech.synthesize(self.text) as stream:
                async for audio in stream:
                    self._frames.append(audio.frame)
                    self._more.set()
        except Exception:
            log.exception("the briefing could not be synthesized")
        finally:
            self._done = True
            self._more.set()

    async def frames(self) -> AsyncIterator[rtc.AudioFrame]:
        i = 0
        while True:
            if i < len(self._frames):
                i += 1
                yield self._frames[i - 1]
                continue
            if self._done:
                return
            self._more.clear()
            await self._more.wait()

    def cancel(self) -> None:
        self._task.cancel()


async def speak_briefing(ctx: JobContext, job: BriefingJob, speech: tts.TTS[Any]) -> None:
    await ctx.connect(auto_subscribe=AutoSubscribe.SUBSCRIBE_NONE)
    room = ctx.room
    gone = asyncio.Event()
    arrived = asyncio.Event()
    subscribed = asyncio.Event()
    subscribed_at: list[float] = []
    room.on("disconnected", lambda *_: gone.set())

    def check(*_: object) -> None:
        if job.to_identity in {p.identity for p in room.remote_participants.values()}:
            arrived.set()

    room.on("participant_connected", check)

    def on_subscribed(*_: object) -> None:
        subscribed_at.append(time.monotonic())
        subscribed.set()

    room.on("local_track_subscribed", on_subscribed)
    prepared = PreparedSpeech(
        speech, ConsultRoomState.parse(room.metadata).briefing_text or job.text
    )

    def newer_text(_old: str, new: str) -> None:
        nonlocal prepared
        text = ConsultRoomState.parse(new).briefing_text
        if text and text != prepared.text and not arrived.is_set():
            prepared.cancel()
            prepared = PreparedSpeech(speech, text)

    room.on("room_metadata_changed", newer_text)
    # Published before B arrives, so B's client subscribes to it while joining.
    source = rtc.AudioSource(speech.sample_rate, speech.num_channels)
    track = rtc.LocalAudioTrack.create_audio_track("briefing", source)
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    await room.local_participant.publish_track(track, options)
    check()
    try:
        waiting = [asyncio.ensure_future(arrived.wait()), asyncio.ensure_future(gone.wait())]
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        for future in waiting:
            future.cancel()
        if not arrived.is_set():
            log.info("consult room closed before %s joined: no briefing", job.to_identity)
            return
        message = BriefingMessage(
            text=prepared.text, transfer_id=job.transfer_id, reason=job.reason
        )
        arrived_at = time.monotonic()
        await room.local_participant.publish_data(
            message.encode(), reliable=True, topic=BRIEFING_TOPIC
        )
        if not subscribed_at:  # B's is the first subscription: wait for it
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(subscribed.wait(), SUBSCRIBE_WAIT_S)
        elif arrived_at - subscribed_at[0] > SUBSCRIBE_WAIT_S:  # someone else's, long ago
            await asyncio.sleep(LEAD_IN_S)
        async for frame in prepared.frames():
            if gone.is_set():
                break
            await source.capture_frame(frame)
        await source.wait_for_playout()
    finally:
        prepared.cancel()
        await source.aclose()
        ctx.shutdown("briefing over")
