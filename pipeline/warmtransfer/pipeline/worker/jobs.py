"""The worker's jobs, dispatched by the server through LiveKit's agent dispatch.

A job's metadata (JSON) says what to do in its room:

    {"task": "hold_music"}                      play hold music into a caller's room until the
                                                server removes the player (hold or transfer over)
    {"task": "briefing", "to_identity": "B",    wait in the consult room until B joins, send the
     "text": "...", "briefing": {...}}          briefing as a data message, then speak it
    {"task": "transcribe", "call_id": "...",    transcribe every participant of a call room into
     "token": "...", "started_at": 1.7e9}       the server, for as long as the room lives
                                                (see `transcribe`)

The worker is a client of LiveKit and of the server's public API (with the call-scoped token
its transcription job carries): it never reads the server's internals, and what it knows about a
call comes in the job's metadata. A briefing is never spoken into an empty room: if the
consult room closes first (the caller hung up, the transfer was cancelled) the job just ends.
The worker's participants are named `warmtransfer-*`, so transcription ignores them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any

from livekit import rtc
from livekit.agents import AutoSubscribe, JobContext, JobProcess, JobRequest, tts

from warmtransfer.pipeline.transcription.providers import build_stt
from warmtransfer.pipeline.voice.hold_music import hold_music_frames
from warmtransfer.pipeline.voice.providers import build_tts
from warmtransfer.pipeline.worker.protocol import (
    AGENT_NAME,
    BRIEFER_IDENTITY,
    BRIEFING_TOPIC,
    HOLD_IDENTITY,
    TRANSCRIBE_TASK,
    TRANSCRIBER_IDENTITY,
)
from warmtransfer.pipeline.worker.transcribe import transcribe_call

__all__ = [
    "AGENT_NAME",
    "BRIEFER_IDENTITY",
    "BRIEFING_TOPIC",
    "HOLD_IDENTITY",
    "entrypoint",
    "prewarm",
    "request",
]

log = logging.getLogger(__name__)
HOLD_SAMPLE_RATE = 48_000


def _task(metadata: str) -> dict[str, Any]:
    try:
        task = json.loads(metadata or "{}")
    except json.JSONDecodeError:
        return {}
    return task if isinstance(task, dict) else {}


async def request(req: JobRequest) -> None:
    """Take hold-music and briefing jobs under the worker's well-known identities."""
    task = _task(req.job.metadata).get("task")
    if task == "hold_music":
        await req.accept(identity=HOLD_IDENTITY, name="Hold music")
    elif task == "briefing":
        await req.accept(identity=BRIEFER_IDENTITY, name="Briefing")
    elif task == TRANSCRIBE_TASK:
        await req.accept(identity=TRANSCRIBER_IDENTITY, name="Transcriber")
    else:
        log.warning("rejecting a job with unknown task %r", task)
        await req.reject()


def prewarm(proc: JobProcess) -> None:
    """Once per job process: the TTS with its voice loaded, and the STT with its model and VAD,
    ready for whichever job the process gets."""
    speech = build_tts(os.environ)
    warm = getattr(speech, "prewarm", None)
    if callable(warm):
        warm()
    proc.userdata["tts"] = speech
    proc.userdata["stt"] = build_stt(os.environ, prewarm=True)


async def entrypoint(ctx: JobContext) -> None:
    task = _task(ctx.job.metadata)
    if task.get("task") == "hold_music":
        await play_hold_music(ctx)
    elif task.get("task") == "briefing":
        await speak_briefing(ctx, task, ctx.proc.userdata["tts"])
    elif task.get("task") == TRANSCRIBE_TASK:
        await transcribe_call(ctx, task, ctx.proc.userdata["stt"], os.environ)


async def _until_disconnected(room: rtc.Room) -> asyncio.Event:
    gone = asyncio.Event()
    room.on("disconnected", lambda *_: gone.set())
    return gone


async def play_hold_music(ctx: JobContext) -> None:
    await ctx.connect(auto_subscribe=AutoSubscribe.SUBSCRIBE_NONE)
    gone = await _until_disconnected(ctx.room)
    source = rtc.AudioSource(HOLD_SAMPLE_RATE, 1)
    track = rtc.LocalAudioTrack.create_audio_track("hold-music", source)
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    await ctx.room.local_participant.publish_track(track, options)
    frames = hold_music_frames(sample_rate=HOLD_SAMPLE_RATE)
    try:
        while not gone.is_set():
            await source.capture_frame(next(frames))
    finally:
        await source.aclose()
        ctx.shutdown("hold over")


async def speak_briefing(ctx: JobContext, task: dict[str, Any], speech: tts.TTS[Any]) -> None:
    await ctx.connect(auto_subscribe=AutoSubscribe.SUBSCRIBE_NONE)
    room = ctx.room
    gone = await _until_disconnected(room)
    target = str(task.get("to_identity", ""))
    arrived = asyncio.Event()

    def check(*_: object) -> None:
        if target in {p.identity for p in room.remote_participants.values()}:
            arrived.set()

    room.on("participant_connected", check)
    check()
    waiting = [asyncio.ensure_future(arrived.wait()), asyncio.ensure_future(gone.wait())]
    await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    for future in waiting:
        future.cancel()
    if not arrived.is_set():
        log.info("consult room closed before %s joined: no briefing", target)
        ctx.shutdown("consult room closed")
        return
    payload = {"type": "briefing", "text": task.get("text", ""), **task.get("briefing", {})}
    await room.local_participant.publish_data(
        json.dumps(payload).encode(), reliable=True, topic=BRIEFING_TOPIC
    )
    text = str(task.get("text", ""))
    source = rtc.AudioSource(speech.sample_rate, speech.num_channels)
    track = rtc.LocalAudioTrack.create_audio_track("briefing", source)
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    await room.local_participant.publish_track(track, options)
    try:
        async with speech.synthesize(text) as stream:
            async for audio in stream:
                if gone.is_set():
                    break
                await source.capture_frame(audio.frame)
        await source.wait_for_playout()
    finally:
        await source.aclose()
        ctx.shutdown("briefing spoken")
