"""What the transfer needs of LiveKit, as a small interface: `LiveKitRooms` is the real one (any
LiveKit deployment), and the tests' in-memory fake lets the state machine's edge cases run in
milliseconds. A room or participant that is not there raises `NotFound`; LiveKit unreachable or
refusing raises `Unavailable`.
"""

from __future__ import annotations

from typing import Protocol

from warmtransfer.pipeline.worker.protocol import BriefingJob

__all__ = ["TransferMedia"]


class TransferMedia(Protocol):
    @property
    def url(self) -> str:
        """Where clients join (the `livekit_url` of the responses)."""
        ...

    async def create_room(self, name: str, *, call_id: str, tenant_id: str) -> None: ...

    async def delete_room(self, name: str) -> None:
        """Close the room (a room already gone is not an error)."""
        ...

    async def roles(self, room: str) -> dict[str, str]:
        """Who is in the room: identity -> role name ("caller", "agent", ...)."""
        ...

    async def audio_tracks(self, room: str) -> dict[str, list[str]]:
        """Each participant's published audio track sids."""
        ...

    async def set_can_subscribe(self, room: str, identity: str, allowed: bool) -> None:
        """Let a participant hear the room, or not."""
        ...

    async def set_hearing(
        self, room: str, identity: str, *, track_sids: list[str], on: bool
    ) -> None:
        """Subscribe or unsubscribe a participant to some tracks."""
        ...

    async def set_hold_music(
        self,
        room: str,
        *,
        call_id: str,
        tenant_id: str,
        on: bool,
        briefing: BriefingJob | None = None,
    ) -> None:
        """Ask the media worker in the call room to play the hold music, or to stop it; and to
        brief B in the consult room of the transfer under way (`briefing`), if any."""
        ...

    async def hold_music_playing(self, room: str) -> bool | None:
        """Whether the media worker in the call room says its hold music is playing; None when
        no media worker is in the room."""
        ...

    async def set_briefing_text(
        self, room: str, *, call_id: str, tenant_id: str, text: str
    ) -> None:
        """Give the briefing's voice in a consult room a newer text."""
        ...

    async def dispatch_worker(self, room: str, job: BriefingJob) -> str:
        """Ask the media worker to join `room` for `job`; the dispatch id."""
        ...

    async def send_data(self, room: str, data: bytes, *, topic: str) -> None: ...

    async def move_participant(self, room: str, identity: str, destination: str) -> bool:
        """Move a participant between rooms; False where the deployment cannot."""
        ...

    async def remove_participant(self, room: str, identity: str) -> None: ...

    def join_token(self, *, room: str, identity: str, role: int, call_id: str) -> str: ...
