"""The briefing's voice in a transfer's consult room.

The briefing's track is published and its speech synthesized while B is awaited (again if a
newer text arrives in the consult room's metadata), so B hears it the moment B's subscription
to it is ready; B also gets it as a data message on arrival. A briefing is never spoken into an
empty room: if the consult room closes first (the caller hung up, the transfer was cancelled),
it just ends.

Who speaks it: the call's transcriber, already in the call room with the voice loaded, joins the
consult room as `warmtransfer-briefer` when the call room's metadata names a briefing
(`CallRoomBriefer`): nothing is dispatched and no job process is taken, so the voice is there
as soon as StartTransfer has made the consult room. A call room without a transcriber gets a
`BriefingJob` dispatched instead (`jobs`), which runs the same `speak_briefing`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from livekit import api, rtc
from livekit.agents import tts

from warmtransfer.pipeline.worker.config import WorkerConfig
from warmtransfer.pipeline.worker.protocol import (
    BRIEFER_IDENTITY,
    BRIEFING_TOPIC,
    BriefingJob,
    BriefingMessage,
    CallRoomState,
    ConsultRoomState,
)

__all__ = ["CallRoomBriefer", "speak_briefing"]

log = logging.getLogger(__name__)
SUBSCRIBE_WAIT_S = 1.0
"""On B's arrival, how long the briefing waits for the first subscription to its track before it
speaks anyway."""
LEAD_IN_S = 0.3
"""LiveKit tells a publisher of its track's first subscription only. When someone (A) had
subscribed well before B arrived, B's own subscription cannot be seen: the briefing then starts
after this lead-in, about what a subscription takes, so B hears its first words."""


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


async def speak_briefing(
    room: rtc.Room,
    job: BriefingJob,
    speech: tts.TTS[Any],
    prepared: PreparedSpeech | None = None,
) -> None:
    """Brief B in the consult room `room` (connected): publish the briefing's track, synthesize
    the text while B is awaited (or take `prepared`, its synthesis begun while connecting), then
    send it and speak it as B joins. Returns when it has been spoken, or when the room closes
    first."""
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
    text = ConsultRoomState.parse(room.metadata).briefing_text or job.text
    if prepared is not None and prepared.text != text:
        prepared.cancel()  # the consult room already has a newer text
        prepared = None
    speaking = prepared or PreparedSpeech(speech, text)

    def newer_text(_old: str, new: str) -> None:
        nonlocal speaking
        text = ConsultRoomState.parse(new).briefing_text
        if text and text != speaking.text and not arrived.is_set():
            speaking.cancel()
            speaking = PreparedSpeech(speech, text)

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
            text=speaking.text, transfer_id=job.transfer_id, reason=job.reason
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
        async for frame in speaking.frames():
            if gone.is_set():
                break
            await source.capture_frame(frame)
        await source.wait_for_playout()
    finally:
        speaking.cancel()
        await source.aclose()


def briefer_token(config: WorkerConfig, room: str) -> str:
    """A token for the briefer's identity in `room`, signed with the worker's own key."""
    grants = api.VideoGrants(
        room_join=True, room=room, can_publish=True, can_subscribe=False, can_publish_data=True
    )
    return (
        api.AccessToken(config.api_key, config.api_secret)
        .with_identity(BRIEFER_IDENTITY)
        .with_name("Briefing")
        .with_kind("agent")
        .with_grants(grants)
        .to_jwt()
    )


class CallRoomBriefer:
    """Follows the call room's metadata and briefs each transfer it names
    (`CallRoomState.briefing`) from this process, in the transfer's consult room."""

    def __init__(self, room: rtc.Room, speech: tts.TTS[Any], config: WorkerConfig) -> None:
        self._room = room
        self._speech = speech
        self._config = config
        self._briefing: tuple[str, asyncio.Task[None]] | None = None  # (transfer id, its task)
        self._started = False

    def start(self) -> None:
        self._started = True
        self.follow(self._room.metadata)

    def follow(self, metadata: str) -> None:
        """Start the briefing the metadata names, or end one it no longer names (called on
        each change)."""
        if not self._started:
            return
        job = CallRoomState.parse(metadata).briefing
        current = self._briefing
        if current is not None and (job is None or job.transfer_id != current[0]):
            current[1].cancel()
            self._briefing = None
        if job is not None and self._briefing is None:
            task = asyncio.create_task(self._brief(job), name=f"briefing {job.transfer_id}")
            self._briefing = (job.transfer_id, task)

    async def _brief(self, job: BriefingJob) -> None:
        consult = rtc.Room()
        # Synthesized while the connection is made: both take a few hundred milliseconds.
        prepared = PreparedSpeech(self._speech, job.text)
        try:
            token = briefer_token(self._config, job.room)
            await consult.connect(
                self._config.livekit_url, token, rtc.RoomOptions(auto_subscribe=False)
            )
            await speak_briefing(consult, job, self._speech, prepared)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("could not brief transfer %s in %s", job.transfer_id, job.room)
        finally:
            prepared.cancel()
            with contextlib.suppress(Exception):
                await consult.disconnect()

    async def aclose(self) -> None:
        if not self._started:
            return
        self._started = False
        if self._briefing is not None:
            task = self._briefing[1]
            self._briefing = None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
