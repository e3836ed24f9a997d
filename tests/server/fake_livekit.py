"""An in-memory LiveKit with the transfer's interface (`transfer.media.TransferMedia`), for the
state machine's edge cases in milliseconds. It keeps what the real server would: rooms, who is
in them with which role and audio track, who may subscribe and to which tracks, room metadata,
data messages and dispatches. `tests/server/test_transfer_*livekit*.py` run the same machine on
a real livekit-server.

A test moves the participants (`join`, `leave`) and reads the outcome (`hears`, `music_on`,
`data`, `dispatched`); `fail(method)` makes a method raise as LiveKit unreachable would;
`looks` counts the listings of each room (a watcher's looks, which a test can wait for).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass, field

from warmtransfer.pipeline.worker.protocol import TRANSCRIBER_IDENTITY, BriefingJob, CallRoomState
from warmtransfer.server.errors import NotFound, Unavailable

__all__ = ["FakeLiveKit"]


@dataclass
class _Participant:
    role: str
    tracks: list[str]
    can_subscribe: bool = True
    unsubscribed: set[str] = field(default_factory=set)  # track sids taken away server-side


class FakeLiveKit:
    url = "ws://fake-livekit.invalid"

    def __init__(self, *, can_move: bool = False) -> None:
        self.rooms: dict[str, dict[str, _Participant]] = {}
        self.metadata: dict[str, str] = {}
        self.data: list[tuple[str, str, bytes]] = []  # (room, topic, payload)
        self.dispatched: list[tuple[str, BriefingJob]] = []
        self.deleted: list[str] = []
        self.can_move = can_move
        self.looks: Counter[str] = Counter()  # room -> how often its participants were listed
        self.music_checks: Counter[str] = Counter()  # room -> how often its music was asked about
        self.worker_plays_music = True  # False: the worker in the room never starts the music
        self._failing: set[str] = set()
        self._sids = itertools.count(1)

    # -- what a test does ------------------------------------------------------------------

    def join(self, room: str, identity: str, role: str) -> None:
        """A participant joins (LiveKit creates a room on a first join) publishing one track."""
        self.rooms.setdefault(room, {})[identity] = _Participant(role, [f"TR_{next(self._sids)}"])

    def leave(self, room: str, identity: str) -> None:
        self.rooms[room].pop(identity)

    def fail(self, method: str) -> None:
        self._failing.add(method)

    def recover(self) -> None:
        self._failing.clear()

    def hears(self, room: str, listener: str, speaker: str) -> bool:
        """Whether `listener` receives `speaker`'s audio in `room`."""
        who = self.rooms[room][listener]
        tracks = self.rooms[room][speaker].tracks
        return who.can_subscribe and not who.unsubscribed.intersection(tracks)

    def music_on(self, room: str) -> bool:
        return bool(json.loads(self.metadata.get(room, "{}")).get("hold_music", False))

    def briefing_text(self, room: str) -> str | None:
        text = json.loads(self.metadata.get(room, "{}")).get("briefing_text")
        return None if text is None else str(text)

    # -- TransferMedia -----------------------------------------------------------------------

    def _check(self, method: str) -> None:
        if method in self._failing:
            raise Unavailable(f"LiveKit at {self.url} is unreachable (a test's failure)")

    def _room(self, name: str) -> dict[str, _Participant]:
        try:
            return self.rooms[name]
        except KeyError:
            raise NotFound(f"LiveKit: room {name!r} does not exist") from None

    def _participant(self, room: str, identity: str) -> _Participant:
        try:
            return self._room(room)[identity]
        except KeyError:
            raise NotFound(f"LiveKit: {identity!r} is not in room {room!r}") from None

    async def create_room(self, name: str, *, call_id: str, tenant_id: str) -> None:
        self._check("create_room")
        self.rooms.setdefault(name, {})
        self.metadata[name] = json.dumps({"call_id": call_id, "tenant_id": tenant_id})

    async def delete_room(self, name: str) -> None:
        self._check("delete_room")
        if self.rooms.pop(name, None) is not None:
            self.deleted.append(name)
        self.metadata.pop(name, None)

    async def roles(self, room: str) -> dict[str, str]:
        self._check("roles")
        self.looks[room] += 1
        return {identity: p.role for identity, p in self._room(room).items()}

    async def audio_tracks(self, room: str) -> dict[str, list[str]]:
        self._check("audio_tracks")
        return {identity: list(p.tracks) for identity, p in self._room(room).items()}

    async def set_can_subscribe(self, room: str, identity: str, allowed: bool) -> None:
        self._check("set_can_subscribe")
        self._participant(room, identity).can_subscribe = allowed

    async def set_hearing(
        self, room: str, identity: str, *, track_sids: list[str], on: bool
    ) -> None:
        self._check("set_hearing")
        who = self._participant(room, identity)
        if on:
            who.unsubscribed.difference_update(track_sids)
        else:
            who.unsubscribed.update(track_sids)

    async def set_hold_music(
        self,
        room: str,
        *,
        call_id: str,
        tenant_id: str,
        on: bool,
        briefing: BriefingJob | None = None,
    ) -> None:
        self._check("set_hold_music")
        self._room(room)
        state = CallRoomState(
            call_id=call_id, tenant_id=tenant_id, hold_music=on, briefing=briefing
        )
        self.metadata[room] = state.to_json()

    def call_room_briefing(self, room: str) -> BriefingJob | None:
        """The transfer the call room's metadata asks its transcriber to brief."""
        return CallRoomState.parse(self.metadata.get(room, "")).briefing

    async def hold_music_playing(self, room: str) -> bool | None:
        """The worker (when a test has it join) follows the metadata at once, unless a test has
        said it does not (`worker_plays_music`)."""
        self._check("hold_music_playing")
        self.music_checks[room] += 1
        if TRANSCRIBER_IDENTITY not in self._room(room):
            return None
        return self.worker_plays_music and self.music_on(room)

    async def set_briefing_text(
        self, room: str, *, call_id: str, tenant_id: str, text: str
    ) -> None:
        self._check("set_briefing_text")
        self._room(room)
        self.metadata[room] = json.dumps(
            {"call_id": call_id, "tenant_id": tenant_id, "briefing_text": text}
        )

    async def dispatch_worker(self, room: str, job: BriefingJob) -> str:
        self._check("dispatch_worker")
        self.dispatched.append((room, job))
        return f"AD_{len(self.dispatched)}"

    async def send_data(self, room: str, data: bytes, *, topic: str) -> None:
        self._check("send_data")
        self._room(room)
        self.data.append((room, topic, data))

    async def move_participant(self, room: str, identity: str, destination: str) -> bool:
        self._check("move_participant")
        if not self.can_move:
            return False
        moved = self._room(room).pop(identity)
        self._room(destination)[identity] = moved
        return True

    async def remove_participant(self, room: str, identity: str) -> None:
        self._check("remove_participant")
        self._room(room)
        if self.rooms[room].pop(identity, None) is None:
            raise NotFound(f"LiveKit: {identity!r} is not in room {room!r}")

    def join_token(self, *, room: str, identity: str, role: int, call_id: str) -> str:
        return f"token:{room}:{identity}:{role}:{call_id}"
