"""Hold music played by the participant already in the call room, on the room's command.

The transcription job is in every call room from its start. It publishes one audio track there
at once (livekit-agents' `BackgroundAudioPlayer`, silent until something plays) and follows the
room's metadata (`CallRoomState.hold_music`, written by the server): when it turns on, the
music plays on the track already published and subscribed; when it turns off, it stops. Nothing
joins the room and nothing is negotiated when a hold starts, and the music's frames are made
when the job joins, so the caller hears music within one metadata update and one mixer block of
the click. Once the music is on its way, the job says so in its attributes
(`protocol.HOLD_MUSIC_ATTRIBUTE`): only then does the server take the caller's subscription to
the agent away (why: `transfer.coordinator.TransferCoordinator._music_then_hold`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Callable

from livekit import rtc
from livekit.agents.voice.background_audio import BackgroundAudioPlayer, PlayHandle

from warmtransfer.pipeline.voice.hold_music import (
    HOLD_MUSIC_SAMPLE_RATE,
    LOOP_SECONDS,
    hold_music_frames,
)
from warmtransfer.pipeline.worker.protocol import (
    HOLD_MUSIC_ATTRIBUTE,
    HOLD_MUSIC_PLAYING,
    CallRoomState,
)

__all__ = ["HOLD_TRACK_NAME", "HoldMusic"]

log = logging.getLogger(__name__)
HOLD_TRACK_NAME = "background_audio"
"""The name `BackgroundAudioPlayer` gives the track it publishes."""
MUSIC_FRAME_MS = 100


def music_frames() -> list[rtc.AudioFrame]:
    """The whole loop as 100 ms frames (the player's mixer works in blocks of 100 ms at 48 kHz):
    120 frames, played round and round."""
    count = round(LOOP_SECONDS * 1000 / MUSIC_FRAME_MS)
    frames = hold_music_frames(sample_rate=HOLD_MUSIC_SAMPLE_RATE, frame_ms=MUSIC_FRAME_MS)
    return list(itertools.islice(frames, count))


async def _music(
    frames: list[rtc.AudioFrame], on_first: Callable[[], None]
) -> AsyncIterator[rtc.AudioFrame]:
    for n, frame in enumerate(itertools.cycle(frames)):
        if n == 1:  # the player's mixer has taken the first frame and asks for the next
            on_first()
        yield frame


class HoldMusic:
    """Plays hold music into `room` while its metadata asks for it. `on_change(playing, at)`
    hears each start and stop (wall-clock seconds)."""

    def __init__(self, room: rtc.Room, on_change: Callable[[bool, float], None]) -> None:
        self._room = room
        self._on_change = on_change
        self._player = BackgroundAudioPlayer()
        self._playing: PlayHandle | None = None
        self._started = False
        self._frames: list[rtc.AudioFrame] = []
        self._announcing: set[asyncio.Task[None]] = set()

    @property
    def playing(self) -> bool:
        return self._playing is not None

    async def start(self) -> None:
        # The music is made now, when the job joins, not at the click: synthesizing the loop
        # and its frames takes about half a second of CPU, more on a busy box (the worker's
        # prewarm has usually synthesized the loop already).
        self._frames = await asyncio.to_thread(music_frames)
        await self._player.start(
            room=self._room,
            track_publish_options=rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_UNKNOWN),
        )
        self._started = True
        self.follow(self._room.metadata)

    def follow(self, metadata: str) -> None:
        """Start or stop the music as the room's metadata says (called on each change)."""
        if not self._started:
            return
        wanted = CallRoomState.parse(metadata).hold_music
        if wanted and self._playing is None:
            self._playing = self._player.play(_music(self._frames, lambda: self._announce(True)))
            self._on_change(True, time.time())
            log.info("hold music on in %s", self._room.name)
        elif not wanted and self._playing is not None:
            self._playing.stop()
            self._playing = None
            self._announce(False)
            self._on_change(False, time.time())
            log.info("hold music off in %s", self._room.name)

    def _announce(self, playing: bool) -> None:
        """Say in the transcriber's attributes whether the music is playing: the server waits
        for it before it takes the caller's subscription to the agent away."""
        value = HOLD_MUSIC_PLAYING if playing else ""
        setting = self._room.local_participant.set_attributes({HOLD_MUSIC_ATTRIBUTE: value})
        task = asyncio.ensure_future(setting)
        self._announcing.add(task)
        task.add_done_callback(self._announced)

    def _announced(self, task: asyncio.Task[None]) -> None:
        self._announcing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("could not announce the hold music: %s", task.exception())

    async def aclose(self) -> None:
        if not self._started:
            return
        self._started = False
        if self._playing is not None:
            self._playing.stop()
            self._playing = None
        await self._player.aclose()
