"""LiveKit rooms for calls, through `livekit-api` (RoomService and AccessToken).

The same code serves a local `livekit-server --dev`, a self-hosted cluster and LiveKit Cloud; only
`LIVEKIT_URL`, `LIVEKIT_API_KEY` and `LIVEKIT_API_SECRET` differ. Join tokens are short-lived
(they only need to be valid when the participant connects; LiveKit refreshes them afterwards)
and carry the narrowest grants for the participant's role, for one room only.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from livekit import api

from warmtransfer.pipeline.worker.protocol import (
    AGENT_NAME,
    DEV_LIVEKIT_KEY,
    DEV_LIVEKIT_SECRET,
    DEV_LIVEKIT_URL,
    HOLD_MUSIC_ATTRIBUTE,
    HOLD_MUSIC_PLAYING,
    ROLE_ATTRIBUTE,
    TRANSCRIBER_IDENTITY,
    WORKER_PREFIX,
    BriefingJob,
    CallRoomState,
    ConsultRoomState,
    TranscribeJob,
)
from warmtransfer.server.errors import NotFound, Unavailable
from warmtransfer.v1 import call_pb2

__all__ = ["LiveKitConfig", "LiveKitRooms", "grants_for"]

log = logging.getLogger(__name__)
Role = call_pb2.ParticipantRole
CALL_ATTRIBUTE = "warmtransfer.call_id"
_ROLE_NAMES: dict[int, str] = {
    call_pb2.PARTICIPANT_ROLE_CALLER: "caller",
    call_pb2.PARTICIPANT_ROLE_AGENT: "agent",
    call_pb2.PARTICIPANT_ROLE_SUPERVISOR: "supervisor",
}
_ROLES_BY_NAME: dict[str, int] = {v: k for k, v in _ROLE_NAMES.items()}


@dataclass(frozen=True, slots=True)
class LiveKitConfig:
    """Where LiveKit is and how to sign for it."""

    url: str = DEV_LIVEKIT_URL
    api_key: str = DEV_LIVEKIT_KEY  # the local development key: see `protocol`
    api_secret: str = DEV_LIVEKIT_SECRET
    token_ttl: datetime.timedelta = datetime.timedelta(minutes=10)
    # A call room with nobody in it is closed by LiveKit after this long.
    empty_timeout_s: int = 300


def grants_for(role: int, room: str) -> api.VideoGrants:
    """The narrowest grants for a role, valid in `room` only.

    Callers and agents speak with a microphone and hear the room; only agents send data (the
    console's messages); supervisors listen, hidden, and publish nothing.
    """
    if role not in _ROLE_NAMES:
        raise ValueError(f"no grants for role {role}")
    if role == call_pb2.PARTICIPANT_ROLE_SUPERVISOR:
        return api.VideoGrants(
            room_join=True,
            room=room,
            can_publish=False,
            can_subscribe=True,
            can_publish_data=False,
            hidden=True,
        )
    return api.VideoGrants(
        room_join=True,
        room=room,
        can_publish=True,
        can_publish_sources=["microphone"],
        can_subscribe=True,
        can_publish_data=role == call_pb2.PARTICIPANT_ROLE_AGENT,
    )


def _role_of(info: Any) -> int:
    """A participant's role: from its token's attribute, or SERVICE for the product's own."""
    if info.identity.startswith(WORKER_PREFIX):
        return call_pb2.PARTICIPANT_ROLE_SERVICE
    return _ROLES_BY_NAME.get(info.attributes.get(ROLE_ATTRIBUTE, ""), 0)


class LiveKitRooms:
    """Rooms, tokens and participants of calls on one LiveKit deployment."""

    def __init__(self, config: LiveKitConfig) -> None:
        self.config = config
        self._api: api.LiveKitAPI | None = None

    @property
    def url(self) -> str:
        return self.config.url

    def _lk(self) -> api.LiveKitAPI:
        # Created lazily: aiohttp sessions belong to the running event loop.
        if self._api is None:
            self._api = api.LiveKitAPI(self.config.url, self.config.api_key, self.config.api_secret)
        return self._api

    async def close(self) -> None:
        if self._api is not None:
            await self._api.aclose()
            self._api = None

    async def create_room(
        self, name: str, *, call_id: str, tenant_id: str, worker_job: TranscribeJob | None = None
    ) -> None:
        """Create a call's (or a consult) room; with `worker_job`, the media worker is
        dispatched to it as part of the room (LiveKit dispatches it when the room is created)."""
        metadata = CallRoomState(call_id=call_id, tenant_id=tenant_id).to_json()
        agents = (
            [api.RoomAgentDispatch(agent_name=AGENT_NAME, metadata=worker_job.to_json())]
            if worker_job is not None
            else []
        )
        request = api.CreateRoomRequest(
            name=name, metadata=metadata, empty_timeout=self.config.empty_timeout_s, agents=agents
        )
        await self._call("create the room", self._lk().room.create_room(request))

    async def set_hold_music(
        self,
        room: str,
        *,
        call_id: str,
        tenant_id: str,
        on: bool,
        briefing: BriefingJob | None = None,
    ) -> None:
        """Tell the media worker in the call room to play the hold music, or to stop it, and
        which transfer to brief (the room's metadata: see `protocol.CallRoomState`)."""
        state = CallRoomState(
            call_id=call_id, tenant_id=tenant_id, hold_music=on, briefing=briefing
        )
        await self._set_metadata("start or stop the hold music", room, state.to_json())

    async def hold_music_playing(self, room: str) -> bool | None:
        """What the transcriber's `HOLD_MUSIC_ATTRIBUTE` says; None when it is not in the room."""
        for info in await self._participants(room):
            if info.identity == TRANSCRIBER_IDENTITY:
                return bool(info.attributes.get(HOLD_MUSIC_ATTRIBUTE) == HOLD_MUSIC_PLAYING)
        return None

    async def set_briefing_text(
        self, room: str, *, call_id: str, tenant_id: str, text: str
    ) -> None:
        """Give the briefing's voice in a consult room a newer text (`ConsultRoomState`)."""
        state = ConsultRoomState(call_id=call_id, tenant_id=tenant_id, briefing_text=text)
        await self._set_metadata("update the briefing", room, state.to_json())

    async def _set_metadata(self, what: str, room: str, metadata: str) -> None:
        request = api.UpdateRoomMetadataRequest(room=room, metadata=metadata)
        await self._call(what, self._lk().room.update_room_metadata(request))

    async def delete_room(self, name: str) -> None:
        # NotFound: already gone (LiveKit closes a room that stays empty).
        with contextlib.suppress(NotFound):
            await self._call(
                "delete the room", self._lk().room.delete_room(api.DeleteRoomRequest(room=name))
            )

    def join_token(self, *, room: str, identity: str, role: int, call_id: str) -> str:
        role_name = _ROLE_NAMES[role]
        return (
            api.AccessToken(self.config.api_key, self.config.api_secret)
            .with_identity(identity)
            .with_ttl(self.config.token_ttl)
            .with_grants(grants_for(role, room))
            .with_attributes({ROLE_ATTRIBUTE: role_name, CALL_ATTRIBUTE: call_id})
            .to_jwt()
        )

    async def _participants(self, room: str) -> list[Any]:
        response = await self._call(
            "list participants",
            self._lk().room.list_participants(api.ListParticipantsRequest(room=room)),
        )
        # A participant that has just left can still be listed for a moment, as DISCONNECTED.
        gone = api.ParticipantInfo.State.DISCONNECTED
        return [p for p in response.participants if p.state != gone]

    async def list_participants(self, room: str) -> list[call_pb2.Participant]:
        out = []
        for info in await self._participants(room):
            participant = call_pb2.Participant(
                identity=info.identity,
                role=_role_of(info),  # type: ignore[arg-type]
                publishing_audio=any(
                    t.type == api.TrackType.AUDIO and not t.muted for t in info.tracks
                ),
            )
            participant.joined_at.FromSeconds(info.joined_at)
            out.append(participant)
        return out

    async def roles(self, room: str) -> dict[str, str]:
        """Who is in the room: identity -> role name ("caller", "agent", ... or "")."""
        return {
            p.identity: p.attributes.get(ROLE_ATTRIBUTE, "") for p in await self._participants(room)
        }

    async def send_data(self, room: str, data: bytes, *, topic: str) -> None:
        """Send a reliable data message to everyone in the room."""
        request = api.SendDataRequest(
            room=room,
            data=data,
            kind=api.DataPacket.Kind.RELIABLE,
            topic=topic,
        )
        await self._call("send a data message", self._lk().room.send_data(request))

    async def dispatch_worker(self, room: str, job: BriefingJob) -> str:
        """Ask the media worker to join `room` for `job`; returns the dispatch id."""
        request = api.CreateAgentDispatchRequest(
            agent_name=AGENT_NAME, room=room, metadata=job.to_json()
        )
        dispatch = await self._call(
            "dispatch the media worker", self._lk().agent_dispatch.create_dispatch(request)
        )
        return str(dispatch.id)

    async def audio_tracks(self, room: str) -> dict[str, list[str]]:
        """Each participant's published audio track sids."""
        return {
            info.identity: [t.sid for t in info.tracks if t.type == api.TrackType.AUDIO]
            for info in await self._participants(room)
        }

    async def set_hearing(
        self, room: str, identity: str, *, track_sids: list[str], on: bool
    ) -> None:
        """Subscribe or unsubscribe a participant to some tracks (server-side)."""
        if not track_sids:
            return
        request = api.UpdateSubscriptionsRequest(
            room=room, identity=identity, track_sids=track_sids, subscribe=on
        )
        await self._call("change subscriptions", self._lk().room.update_subscriptions(request))

    async def set_can_subscribe(self, room: str, identity: str, allowed: bool) -> None:
        """Let a participant hear the room, or not, keeping its other permissions."""
        info = await self._call(
            "read the participant",
            self._lk().room.get_participant(
                api.RoomParticipantIdentity(room=room, identity=identity)
            ),
        )
        permission = api.ParticipantPermission()
        permission.CopyFrom(info.permission)
        permission.can_subscribe = allowed
        await self._call(
            "change permissions",
            self._lk().room.update_participant(
                api.UpdateParticipantRequest(room=room, identity=identity, permission=permission)
            ),
        )

    async def move_participant(self, room: str, identity: str, destination: str) -> bool:
        """Move a participant between rooms where LiveKit can (Cloud); False where it cannot."""
        try:
            await self._lk().room.move_participant(
                api.MoveParticipantRequest(
                    room=room, identity=identity, destination_room=destination
                )
            )
        except api.TwirpError as exc:
            if exc.code in (api.TwirpErrorCode.UNIMPLEMENTED, api.TwirpErrorCode.NOT_FOUND) or (
                "not implemented" in exc.message.lower()
            ):
                return False
            raise Unavailable(f"LiveKit could not move the participant: {exc.message}") from None
        except (aiohttp.ClientError, TimeoutError, OSError):
            raise Unavailable(f"LiveKit at {self.config.url} is unreachable") from None
        return True

    async def remove_participant(self, room: str, identity: str) -> None:
        await self._call(
            "remove the participant",
            self._lk().room.remove_participant(
                api.RoomParticipantIdentity(room=room, identity=identity)
            ),
        )

    async def _call(self, what: str, awaitable):  # type: ignore[no-untyped-def]
        try:
            return await awaitable
        except api.TwirpError as exc:
            if exc.code == api.TwirpErrorCode.NOT_FOUND:
                raise NotFound(f"LiveKit: {exc.message}") from None
            log.warning("LiveKit refused to %s: %s %s", what, exc.code, exc.message)
            raise Unavailable(f"LiveKit could not {what}: {exc.message}") from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("LiveKit at %s unreachable (%s): %s", self.config.url, what, exc)
            raise Unavailable(
                f"LiveKit at {self.config.url} is unreachable, so the server could not {what}"
            ) from None
