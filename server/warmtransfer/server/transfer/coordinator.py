"""The warm transfer, run over the call store and LiveKit: its states and their moves are in
`states`; what it needs of LiveKit is `media.TransferMedia`.

B learns of the offer from its own stream (WatchAgent: every change of a transfer to B, the
offer with its briefing), accepts it (AcceptTransfer: B's consult token and the briefing as it is
now; B joining the consult room with the token StartTransfer returned counts as accepting too)
or declines it (DeclineTransfer), which gives the caller back to A at once.

StartTransfer records the transfer and answers at once with the precomputed briefing: it never
summarizes. Hold here means the call room's metadata asks the media worker, already in the room
as its transcriber, to play the hold music on the track it published when it joined (nothing has
to join or be dispatched for the music to start), and once the music plays, the transferring
agent (A) and the rest of the call room stop hearing each other (server-side subscriptions and
permissions; the caller's own connection is untouched). The consult room's voice (the briefing)
is the same transcriber, asked through the call room's metadata at StartTransfer (a briefer is
dispatched only into a call whose room has no transcriber playing its music); it prepares its
speech before B arrives, and while B has not joined, a newer summary reaches it through the
consult room's metadata. A and B consult in their own room. Completing brings B into the call
room (LiveKit's MoveParticipant where the deployment has it, otherwise a join token for B) and
removes A only once B is seen there, so the caller is never left alone; if B does not arrive in
time the transfer returns to CONSULTING with A still on the call. Any failed step undoes the
hold: a caller is never stranded on hold.

One watcher per transfer follows the two rooms until the transfer ends: the caller hanging up
fails the transfer (B is told by a data message, then the consult room closes); B not joining
the consult room in time fails it and gives the caller back to A; the hand-off above. It reads
LiveKit's participant lists (which works on every deployment, Cloud included); LiveKit webhooks
or the agent worker's events can replace the polling without changing the states.

With replicas, the watcher runs on the replica that owns the call (see `ownership`): the one
that receives StartTransfer claims the call if nobody lives to own it, and otherwise the owner
learns of the transfer from the commit's notice (the event relay) or its next ownership round.
When the owner dies, the replica that adopts the call follows its transfer on from the store:
the timeouts count from the transfer's own timestamps, so a takeover does not restart them.
The transfer's LiveKit state (the hold, the music, the rooms) lives in LiveKit, not in the
replica, so any replica can end it.

What the worker is sent (jobs, room metadata, data messages) is in `protocol`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from warmtransfer.pipeline.worker.protocol import (
    EVENTS_TOPIC,
    BriefingJob,
    TransferFailedMessage,
)
from warmtransfer.server.briefing import spoken_briefing
from warmtransfer.server.errors import FailedPrecondition, NotFound, WarmTransferError
from warmtransfer.server.ownership import CallOwnership
from warmtransfer.server.store import CallStore
from warmtransfer.server.store.call_store import MAX_PENDING_SEGMENTS
from warmtransfer.server.store.calls import room_name
from warmtransfer.server.summary_storage import CallRef
from warmtransfer.server.transfer.media import TransferMedia
from warmtransfer.server.transfer.states import (
    CANCELLED,
    COMPLETED,
    COMPLETING,
    CONSULTING,
    DECLINED,
    FAILED,
)
from warmtransfer.v1 import call_pb2, transfer_pb2, transfer_service_pb2

T = TypeVar("T")

__all__ = ["TransferCoordinator"]

log = logging.getLogger(__name__)
AGENT = call_pb2.PARTICIPANT_ROLE_AGENT
BRIEFING_CHECK_S = 1.0  # while B has not joined, how often the spoken briefing is brought current
CLOSE_LOOK_S = 3.0  # after a participant report, poll the rooms often for this long
CLOSE_LOOK_INTERVAL_S = 0.2
MUSIC_START_WAIT_S = 1.0  # how long the hold waits for the worker to say its music is playing
MUSIC_POLL_S = 0.02


class TransferCoordinator:
    """Runs transfers for one server; the store holds their state."""

    def __init__(
        self,
        store: CallStore,
        media: TransferMedia | None,
        *,
        join_timeout_s: float = 120.0,
        arrival_timeout_s: float = 60.0,
        poll_interval_s: float = 0.2,
        ownership: CallOwnership | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Without `ownership`, this server owns every call (a coordinator tested alone).
        `clock`: the wall clock the deadlines are measured on (the transfer's own timestamps
        are on it too)."""
        self._store = store
        self._media = media
        self._ownership = ownership
        self._join_timeout_s = join_timeout_s
        self._arrival_timeout_s = arrival_timeout_s
        self._poll_interval_s = poll_interval_s
        self._clock = clock
        self._tasks: set[asyncio.Task[Any]] = set()
        self._wakes: dict[str, asyncio.Event] = {}  # call room -> its transfer watcher's alarm
        self._watching: set[str] = set()  # transfer ids followed here

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _require_media(self) -> TransferMedia:
        if self._media is None:
            raise FailedPrecondition(
                "transfers need LiveKit, and this server runs without it (WARMTRANSFER_MEDIA=none)"
            )
        return self._media

    async def start(
        self, tenant_id: str, call_id: str, from_identity: str, to_identity: str, reason: str
    ) -> transfer_service_pb2.StartTransferResponse:
        media = self._require_media()
        transfer, call = await self._store.start_transfer(
            tenant_id, call_id, from_identity=from_identity, to_identity=to_identity, reason=reason
        )
        room = transfer.consult_room_name
        try:
            # The music first; then the consult room, and the briefing named in the call room's
            # metadata for the transcriber to join the consult room and synthesize it while the
            # hold is put in place (B may join a moment after the answer).
            await self._music(media, tenant_id, call_id, on=True)
            await media.create_room(room, call_id=call_id, tenant_id=tenant_id)
            briefing = await self.briefing(tenant_id, call_id, reason=reason)
            job = BriefingJob(
                to_identity=to_identity,
                text=briefing.text,
                transfer_id=transfer.transfer_id,
                reason=briefing.summary.reason,
                room=room,
            )
            transcriber_plays = await self._music_then_hold(
                media, tenant_id, call_id, call.room_name, [from_identity], briefing=job
            )
            # Seen now, so a caller hanging up before the watcher's first look still counts.
            caller_seen = "caller" in (await self._roles(media, call.room_name)).values()
        except WarmTransferError as exc:
            await self._fail(tenant_id, transfer, call.room_name, f"could not start: {exc}")
            raise
        # The call's transcriber, in the room with its voice loaded, briefs B (nothing to
        # dispatch, no job process to take). Without one playing the music, the briefing leaves
        # the call room's metadata and a briefer is dispatched off the response path.
        if not transcriber_plays:
            await self._music(media, tenant_id, call_id, on=True)
            self._spawn(self._dispatch_briefer(media, room, job))
        if await self._own(tenant_id, call_id):
            self._follow(
                tenant_id,
                transfer.transfer_id,
                call.room_name,
                caller_seen=caller_seen,
                briefed=briefing.text,
            )
        return transfer_service_pb2.StartTransferResponse(
            transfer=transfer,
            briefing=briefing,
            from_consult_token=media.join_token(
                room=room, identity=from_identity, role=AGENT, call_id=call_id
            ),
            to_consult_token=media.join_token(
                room=room, identity=to_identity, role=AGENT, call_id=call_id
            ),
            livekit_url=media.url,
        )

    async def briefing(
        self, tenant_id: str, call_id: str, *, reason: str = ""
    ) -> transfer_service_pb2.Briefing:
        """The briefing as it is now: the precomputed summary, the segments it has not read, and
        the text B hears."""
        summary, pending = await self._store.get_summary_and_pending(
            tenant_id, call_id, limit=MAX_PENDING_SEGMENTS
        )
        return transfer_service_pb2.Briefing(
            summary=summary,
            pending_segments=pending,
            text=spoken_briefing(summary, pending, reason=reason),
        )

    async def accept(
        self, tenant_id: str, transfer_id: str
    ) -> transfer_service_pb2.AcceptTransferResponse:
        media = self._require_media()
        transfer, _ = await self._store.accept_transfer(tenant_id, transfer_id)
        return transfer_service_pb2.AcceptTransferResponse(
            transfer=transfer,
            briefing=await self.briefing(tenant_id, transfer.call_id, reason=transfer.reason),
            consult_token=media.join_token(
                room=transfer.consult_room_name,
                identity=transfer.to_identity,
                role=AGENT,
                call_id=transfer.call_id,
            ),
            livekit_url=media.url,
        )

    async def decline(self, tenant_id: str, transfer_id: str, reason: str) -> transfer_pb2.Transfer:
        media = self._require_media()
        transfer = await self._store.get_transfer(tenant_id, transfer_id)
        call = await self._store.get_call(tenant_id, transfer.call_id)
        why = f"declined by {transfer.to_identity}" + (f": {reason}" if reason else "")
        declined = await self._store.change_transfer(
            tenant_id,
            transfer_id,
            state=DECLINED,
            end_reason=why,
        )
        await self._release(media, tenant_id, call.room_name, transfer)
        return declined

    async def cancel(self, tenant_id: str, transfer_id: str) -> transfer_pb2.Transfer:
        media = self._require_media()
        transfer = await self._store.get_transfer(tenant_id, transfer_id)
        call = await self._store.get_call(tenant_id, transfer.call_id)
        cancelled = await self._store.change_transfer(
            tenant_id,
            transfer_id,
            state=CANCELLED,
            end_reason="cancelled by the transferring agent",
        )
        await self._release(media, tenant_id, call.room_name, transfer)
        return cancelled

    async def complete(
        self, tenant_id: str, transfer_id: str
    ) -> transfer_service_pb2.CompleteTransferResponse:
        media = self._require_media()
        transfer = await self._store.change_transfer(tenant_id, transfer_id, state=COMPLETING)
        call = await self._store.get_call(tenant_id, transfer.call_id)
        response = transfer_service_pb2.CompleteTransferResponse(transfer=transfer)
        moved = await media.move_participant(
            transfer.consult_room_name, transfer.to_identity, call.room_name
        )
        if not moved:  # self-hosted LiveKit: B re-joins the call room with its own token
            response.to_call_token = media.join_token(
                room=call.room_name, identity=transfer.to_identity, role=AGENT, call_id=call.call_id
            )
        self._wake(call.room_name)  # B may be in the room already (moved)
        return response

    async def hold_call(self, tenant_id: str, call_id: str) -> call_pb2.Call:
        """Put the caller on hold outside a transfer: the agents and the caller stop hearing
        each other (hold music, when playing, still reaches the caller)."""
        media = self._require_media()
        call = await self._store.change_call_state(
            tenant_id,
            call_id,
            allowed_from=(call_pb2.CALL_STATE_ACTIVE,),
            state=call_pb2.CALL_STATE_ON_HOLD,
        )
        try:
            agents = await self._agents(media, call.room_name)
            await self._music_then_hold(media, tenant_id, call_id, call.room_name, agents)
        except WarmTransferError:
            await self.resume_call(tenant_id, call_id)
            raise
        return call

    async def resume_call(self, tenant_id: str, call_id: str) -> call_pb2.Call:
        """Take the caller off hold."""
        media = self._require_media()
        call = await self._store.change_call_state(
            tenant_id,
            call_id,
            allowed_from=(call_pb2.CALL_STATE_ON_HOLD,),
            state=call_pb2.CALL_STATE_ACTIVE,
        )
        await self._music(media, tenant_id, call_id, on=False)
        for agent in await self._agents(media, call.room_name):
            await self._hold(media, call.room_name, agent, on=False)
        return call

    async def _dispatch_briefer(self, media: TransferMedia, room: str, job: BriefingJob) -> None:
        try:
            await media.dispatch_worker(room, job)
        except WarmTransferError:  # no spoken briefing is not a failed transfer
            log.warning("no spoken briefing in %s: the media worker could not be dispatched", room)

    async def _music(
        self,
        media: TransferMedia,
        tenant_id: str,
        call_id: str,
        *,
        on: bool,
        briefing: BriefingJob | None = None,
    ) -> None:
        """Ask the media worker in the call room to play the hold music, or stop it (and to
        brief `briefing`'s transfer). Music that cannot be started is silence, logged, never a
        failed hold."""
        try:
            await media.set_hold_music(
                room_name(call_id), call_id=call_id, tenant_id=tenant_id, on=on, briefing=briefing
            )
        except NotFound:
            pass  # the room is gone: the call is over
        except WarmTransferError:
            log.warning("call %s: LiveKit did not take the hold music's on=%s", call_id, on)

    async def _music_then_hold(
        self,
        media: TransferMedia,
        tenant_id: str,
        call_id: str,
        room: str,
        agents: list[str],
        *,
        briefing: BriefingJob | None = None,
    ) -> bool:
        """Start the hold music, then make the agents and the rest of the room stop hearing
        each other; whether the call's transcriber plays the music.

        The order is for the caller's client. Taking its subscription to the agent away
        renegotiates its connection, and music whose first packets reach the client while that
        is under way is delivered twice: on the music's own track and on the old subscription
        to the agent (LiveKit's client SDK 1.2 with livekit-server 1.13; 3 runs in 4 when the
        music followed the unsubscription by 0.15 s). Music already playing when the
        subscription goes is not. So the music comes first, then the worker's word that it is
        playing (its attribute, see `protocol`), then the isolation: the caller hears the music
        from the click, and the agent for that moment longer. With no worker in the room (or
        none answering within `MUSIC_START_WAIT_S`) the isolation does not wait. A `briefing`
        goes in the same metadata write as the music, for the transcriber to brief B.
        """
        await self._music(media, tenant_id, call_id, on=True, briefing=briefing)
        playing = await self._music_started(media, room)
        for agent in agents:
            await self._hold(media, room, agent, on=True)
        return playing

    async def _music_started(self, media: TransferMedia, room: str) -> bool:
        """Wait for the worker in the call room to say its music plays; whether it did."""
        playing: bool | None = False
        try:
            async with asyncio.timeout(MUSIC_START_WAIT_S):
                # LiveKit is asked again: the worker's attribute is not pushed to the server.
                while (playing := await media.hold_music_playing(room)) is False:  # noqa: ASYNC110
                    await asyncio.sleep(MUSIC_POLL_S)
        except TimeoutError:
            log.warning("%s: the hold music did not start within %.1f s", room, MUSIC_START_WAIT_S)
        except WarmTransferError as error:
            log.warning("%s: could not see whether the hold music started: %s", room, error)
        return playing is True

    async def _agents(self, media: TransferMedia, room: str) -> list[str]:
        return [who for who, role in (await self._roles(media, room)).items() if role == "agent"]

    async def get(self, tenant_id: str, transfer_id: str) -> transfer_pb2.Transfer:
        return await self._store.get_transfer(tenant_id, transfer_id)

    async def watch_owned(self) -> None:
        """Follow every transfer under way in a call this replica owns (after a restart, a
        takeover, or a transfer started on another replica) that is not followed yet. A caller
        let into the call counts as seen: if the room has none now, the caller hung up."""
        if self._media is None or self._ownership is None:
            return
        for tenant_id, transfer, caller_let_in in await self._store.owned_transfers(
            self._ownership.replica_id
        ):
            if self._ownership.owns(transfer.call_id):
                self._follow(
                    tenant_id,
                    transfer.transfer_id,
                    room_name(transfer.call_id),
                    caller_seen=caller_let_in,
                )

    def transfer_changed(self, call_id: str) -> None:
        """Another replica started or moved on a transfer of the call: if the call is owned
        here, its watcher looks now (or starts)."""
        if self._ownership is None or not self._ownership.owns(call_id):
            return
        self._wake(room_name(call_id))
        self._spawn(self.watch_owned())

    async def _own(self, tenant_id: str, call_id: str) -> bool:
        """Whether this replica follows the call's transfer: it owns the call, or claims it
        now because no living replica does."""
        if self._ownership is None:
            return True
        try:
            return await self._ownership.claim(CallRef(tenant_id, call_id))
        except Exception:  # the transfer is stored: a round of the ownership adopts the call
            log.warning("call %s: could not claim it", call_id, exc_info=True)
            return False

    def _follow(
        self,
        tenant_id: str,
        transfer_id: str,
        call_room: str,
        *,
        caller_seen: bool,
        briefed: str | None = None,
    ) -> None:
        if transfer_id in self._watching:
            return
        self._watching.add(transfer_id)
        task = self._spawn(
            self._watch(tenant_id, transfer_id, call_room, caller_seen=caller_seen, briefed=briefed)
        )
        task.add_done_callback(lambda _: self._watching.discard(transfer_id))

    # -- steps --------------------------------------------------------------------------------

    def participant_changed(self, call_room: str) -> None:
        """Someone joined or left the call's room (reported by the media worker): a transfer
        under way looks at the room now rather than at its next poll."""
        self._wake(call_room)

    def _wake(self, call_room: str) -> None:
        wake = self._wakes.get(call_room)
        if wake is not None:
            wake.set()

    def _spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _hold(self, media: TransferMedia, room: str, agent: str, *, on: bool) -> None:
        """Make the agent and the rest of the room stop (or start again) hearing each other."""
        try:
            await media.set_can_subscribe(room, agent, not on)
        except NotFound:
            log.info("agent %s is not in room %s (dropped?)", agent, room)
        tracks = await media.audio_tracks(room)
        if not on:  # the agent hears the room again: said explicitly, not left to its client
            heard = [sid for who, sids in tracks.items() if who != agent for sid in sids]
            with contextlib.suppress(NotFound):
                await media.set_hearing(room, agent, track_sids=heard, on=True)
        for identity in tracks:
            if identity != agent:
                with contextlib.suppress(NotFound):
                    await media.set_hearing(
                        room, identity, track_sids=tracks.get(agent, []), on=not on
                    )

    async def _release(
        self, media: TransferMedia, tenant_id: str, call_room: str, transfer: transfer_pb2.Transfer
    ) -> None:
        """Take the caller off hold with A and close the consult room (best effort, logged)."""
        await self._music(media, tenant_id, transfer.call_id, on=False)
        try:
            await self._hold(media, call_room, transfer.from_identity, on=False)
        except WarmTransferError:
            log.exception("could not lift the hold in %s", call_room)
        try:
            await media.delete_room(transfer.consult_room_name)
        except WarmTransferError:
            log.warning("could not delete consult room %s", transfer.consult_room_name)

    async def _fail(
        self, tenant_id: str, transfer: transfer_pb2.Transfer, call_room: str, why: str
    ) -> None:
        """End the transfer as FAILED, tell whoever is consulting, and lift the hold."""
        log.warning("transfer %s failed: %s", transfer.transfer_id, why)
        with contextlib.suppress(WarmTransferError):
            await self._store.change_transfer(
                tenant_id,
                transfer.transfer_id,
                state=FAILED,
                end_reason=why,
            )
        if self._media is None:
            return
        with contextlib.suppress(WarmTransferError):
            await self._media.send_data(
                transfer.consult_room_name,
                TransferFailedMessage(transfer_id=transfer.transfer_id, reason=why).encode(),
                topic=EVENTS_TOPIC,
            )
        await self._release(self._media, tenant_id, call_room, transfer)

    async def _watch(
        self,
        tenant_id: str,
        transfer_id: str,
        call_room: str,
        *,
        caller_seen: bool = False,
        briefed: str | None = None,
    ) -> None:
        """Follow the transfer to its end. `briefed`: the text the briefing's voice was given
        (None when unknown here: a takeover, a transfer started on another replica)."""
        media = self._require_media()
        loop = asyncio.get_running_loop()
        b_joined = False
        next_briefing_check = 0.0
        transfer = await self._store.get_transfer(tenant_id, transfer_id)
        wake = self._wakes.setdefault(call_room, asyncio.Event())
        looking_closely_until = 0.0
        try:
            while True:
                wake.clear()
                transfer = await self._store.get_transfer(tenant_id, transfer_id)
                if transfer.state not in (CONSULTING, COMPLETING):
                    return
                if self._ownership is not None and not self._ownership.owns(transfer.call_id):
                    log.info("transfer %s: its call is owned elsewhere now", transfer_id)
                    return
                # Deadlines count from the transfer's own times (wall clock), not from when
                # this watcher began: a replica taking the transfer over does not restart them.
                now = self._clock()
                started = transfer.created_at.ToMicroseconds() / 1e6
                changed = transfer.updated_at.ToMicroseconds() / 1e6
                in_call = await self._roles(media, call_room)
                if "caller" in in_call.values():
                    caller_seen = True
                elif caller_seen:
                    await self._fail(tenant_id, transfer, call_room, "the caller hung up")
                    return
                if transfer.state == CONSULTING:
                    if not b_joined:
                        in_consult = await self._roles(media, transfer.consult_room_name)
                        b_joined = transfer.to_identity in in_consult
                        if b_joined and not transfer.HasField("accepted_at"):
                            # Joining with StartTransfer's token is accepting.
                            with contextlib.suppress(WarmTransferError):
                                await self._store.accept_transfer(tenant_id, transfer_id)
                    if not b_joined and now >= next_briefing_check:
                        next_briefing_check = now + BRIEFING_CHECK_S
                        briefed = await self._bring_briefing_current(tenant_id, transfer, briefed)
                    if not b_joined and now - started > self._join_timeout_s:
                        if transfer.HasField("accepted_at"):
                            why = f"{transfer.to_identity} did not join the consult room in time"
                        else:
                            why = f"{transfer.to_identity} did not answer the transfer in time"
                        await self._fail(tenant_id, transfer, call_room, why)
                        return
                elif await self._handoff(tenant_id, transfer, call_room, in_call):
                    return
                elif now - changed > self._arrival_timeout_s:  # COMPLETING since `changed`
                    log.warning("transfer %s: %s never arrived", transfer_id, transfer.to_identity)
                    with contextlib.suppress(WarmTransferError):
                        await self._store.change_transfer(
                            tenant_id,
                            transfer_id,
                            state=CONSULTING,
                            end_reason=f"{transfer.to_identity} did not join the call in time",
                        )
                # After a report, look closely for a while: LiveKit's own view of the room can
                # lag the report by a moment.
                closely = loop.time() < looking_closely_until
                pause = (
                    min(self._poll_interval_s, CLOSE_LOOK_INTERVAL_S)
                    if closely
                    else self._poll_interval_s
                )
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel that
                # lands as the wake fires, and the watcher would outlive close().
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(pause):
                        await wake.wait()
                if wake.is_set():
                    looking_closely_until = loop.time() + CLOSE_LOOK_S
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("watching transfer %s failed", transfer_id)
            await self._fail(tenant_id, transfer, call_room, "the transfer could not be followed")
        finally:
            if self._wakes.get(call_room) is wake:
                del self._wakes[call_room]

    async def _bring_briefing_current(
        self, tenant_id: str, transfer: transfer_pb2.Transfer, briefed: str | None
    ) -> str | None:
        """While B has not joined, give the briefing's voice the newest text (when the summary
        has moved on since it was given one); returns the text it has."""
        media = self._require_media()
        text = (await self.briefing(tenant_id, transfer.call_id, reason=transfer.reason)).text
        if text == briefed:
            return briefed
        try:
            await media.set_briefing_text(
                transfer.consult_room_name,
                call_id=transfer.call_id,
                tenant_id=tenant_id,
                text=text,
            )
        except WarmTransferError:
            return briefed  # tried again at the next check
        return text

    async def _handoff(
        self,
        tenant_id: str,
        transfer: transfer_pb2.Transfer,
        call_room: str,
        in_call: dict[str, str],
    ) -> bool:
        """Once B is in the call room, let A go, then mark the transfer COMPLETED."""
        media = self._require_media()
        if transfer.to_identity not in in_call:
            return False
        if transfer.from_identity in in_call:
            await self._music(media, tenant_id, transfer.call_id, on=False)
            with contextlib.suppress(NotFound):
                await media.remove_participant(call_room, transfer.from_identity)
            return False
        await self._store.change_transfer(
            tenant_id,
            transfer.transfer_id,
            state=COMPLETED,
        )
        await self._music(media, tenant_id, transfer.call_id, on=False)  # if A had already gone
        await media.delete_room(transfer.consult_room_name)
        return True

    async def _roles(self, media: TransferMedia, room: str) -> dict[str, str]:
        try:
            return await media.roles(room)
        except NotFound:
            return {}
