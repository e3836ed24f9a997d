"""Hold music played by the participant already in the call room, on the room's command.

The transcription job is in every call room from its start. It publishes one audio track there
at once (livekit-agents' `BackgroundAudioPlayer`, silent until something plays) and follows the
room's metadata (`CallRoomState.hold_music`, written by the server): when it turns on, the
music plays on the track already published and subscribed; when it turns off, it stops. Nothing
joins the room and nothing is negotiated when a hold starts, so the caller hears music within
one metadata update and one mixer block of the click.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable

from livekit import rtc
from livekit.agents.voice.background_audio import BackgroundAudioPlayer, PlayHandle

from warmtransfer.pipeline.voice.hold_music import HOLD_MUSIC_SAMPLE_RATE, hold_music_frames
from warmtransfer.pipeline.worker.protocol import CallRoomState

__all__ = ["HOLD_TRACK_NAME", "HoldMusic"]

log = logging.getLogger(__name__)
HOLD_TRACK_NAME = "background_audio"
"""The name `BackgroundAudioPlayer` gives the track it publishes."""


async def _music() -> AsyncIterator[rtc.AudioFrame]:
    # 100 ms frames: the player's mixer works in blocks of 100 ms at 48 kHz.
    for frame in hold_music_frames(sample_rate=HOLD_MUSIC_SAMPLE_RATE, frame_ms=100):
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

    @property
    def playing(self) -> bool:
        return self._playing is not None

    async def start(self) -> None:
        await self._player.start(
            room=self._room,
            track_publish_options=rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_UNKNOWN),
        )
        self._started = True
        self._room.on("room_metadata_changed", self._on_metadata)
        self.follow(self._room.metadata)

    def _on_metadata(self, _old: str, new: str) -> None:
        self.follow(new)

    def follow(self, metadata: str) -> None:
        """Start or stop the music as the room's metadata says."""
        if not self._started:
            return
        wanted = CallRoomState.parse(metadata).hold_music
        if wanted and self._playing is None:
            self._playing = self._player.play(_music())
            self._on_change(True, time.time())
            log.info("hold music on in %s", self._room.name)
        elif not wanted and self._playing is not None:
            self._playing.stop()
            self._playing = None
            self._on_change(False, time.time())
            log.info("hold music off in %s", self._room.name)

    async def aclose(self) -> None:
        if not self._started:
            return
        self._room.off("room_metadata_changed", self._on_metadata)
        self._started = False
        if self._playing is not None:
            self._playing.stop()
            self._playing = None
        await self._player.aclose()
