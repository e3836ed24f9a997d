"""The warm transfer, as a state machine over the call store and LiveKit.

    StartTransfer ──► CONSULTING ──CompleteTransfer──► COMPLETING ──B seen, A removed──► COMPLETED
                          │                                │
                          └─CancelTransfer──► CANCELLED    └─B never arrives──► CONSULTING again

StartTransfer records the transfer and answers at once with the precomputed briefing: it never
summarizes. Hold here means the transferring agent (A) and the rest of the call room stop
hearing each other (server-side subscriptions and permissions; the caller's own connection is
untouched, so hold music published into the room still reaches the caller). A and B consult in
their own room. Completing brings B into the call room (LiveKit's MoveParticipant where the
deployment has it, otherwise a join token for B) and removes A only once B is seen there, so the
caller is never left alone; if B does not arrive in time the transfer returns to CONSULTING with
A still on the call. Any failed step undoes the hold: a caller is never stranded on hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from warmtransfer.server.errors import FailedPrecondition, NotFound, WarmTransferError
from warmtransfer.server.media import LiveKitRooms
from warmtransfer.server.store import CallStore
from warmtransfer.server.store.call_store import MAX_PENDING_SEGMENTS
from warmtransfer.v1 import call_pb2, transfer_pb2, transfer_service_pb2

__all__ = ["TransferCoordinator"]

log = logging.getLogger(__name__)
CONSULTING = transfer_pb2.TRANSFER_STATE_CONSULTING
COMPLETING = transfer_pb2.TRANSFER_STATE_COMPLETING
AGENT = call_pb2.PARTICIPANT_ROLE_AGENT


class TransferCoordinator:
    """Runs transfers for one server; the store holds their state."""

    def __init__(
        self,
        store: CallStore,
        media: LiveKitRooms | None,
        *,
        arrival_timeout_s: float = 60.0,
        poll_interval_s: float = 0.2,
    ) -> None:
        self._store = store
        self._media = media
        self._arrival_timeout_s = arrival_timeout_s
        self._poll_interval_s = poll_interval_s
        self._tasks: set[asyncio.Task[None]] = set()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _require_media(self) -> LiveKitRooms:
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
        summary, pending = await self._store.get_summary_and_pending(
            tenant_id, call_id, limit=MAX_PENDING_SEGMENTS
        )
        room = transfer.consult_room_name
        try:
            await media.create_room(room, call_id=call_id, tenant_id=tenant_id)
            await self._hold(media, call.room_name, from_identity, on=True)
        except WarmTransferError as exc:
            await self._undo(tenant_id, transfer, call.room_name, f"could not start: {exc}")
            raise
        return transfer_service_pb2.StartTransferResponse(
            transfer=transfer,
            briefing=transfer_service_pb2.Briefing(summary=summary, pending_segments=pending),
            from_consult_token=media.join_token(
                room=room, identity=from_identity, role=AGENT, call_id=call_id
            ),
            to_consult_token=media.join_token(
                room=room, identity=to_identity, role=AGENT, call_id=call_id
            ),
            livekit_url=media.config.url,
        )

    async def cancel(self, tenant_id: str, transfer_id: str) -> transfer_pb2.Transfer:
        media = self._require_media()
        transfer = await self._store.get_transfer(tenant_id, transfer_id)
        call = await self._store.get_call(tenant_id, transfer.call_id)
        cancelled = await self._store.change_transfer(
            tenant_id,
            transfer_id,
            allowed_from=(CONSULTING,),
            state=transfer_pb2.TRANSFER_STATE_CANCELLED,
            end_reason="cancelled by the transferring agent",
        )
        await self._release(media, call.room_name, transfer)
        return cancelled

    async def complete(
        self, tenant_id: str, transfer_id: str
    ) -> transfer_service_pb2.CompleteTransferResponse:
        media = self._require_media()
        transfer = await self._store.change_transfer(
            tenant_id, transfer_id, allowed_from=(CONSULTING,), state=COMPLETING
        )
        call = await self._store.get_call(tenant_id, transfer.call_id)
        response = transfer_service_pb2.CompleteTransferResponse(transfer=transfer)
        moved = await media.move_participant(
            transfer.consult_room_name, transfer.to_identity, call.room_name
        )
        if not moved:  # self-hosted LiveKit: B re-joins the call room with its own token
            response.to_call_token = media.join_token(
                room=call.room_name, identity=transfer.to_identity, role=AGENT, call_id=call.call_id
            )
        self._spawn(self._await_handoff(tenant_id, transfer, call.room_name))
        return response

    async def get(self, tenant_id: str, transfer_id: str) -> transfer_pb2.Transfer:
        return await self._store.get_transfer(tenant_id, transfer_id)

    async def resume(self) -> None:
        """After a restart: keep watching the hand-offs that were under way."""
        for tenant_id, transfer in await self._store.active_transfers():
            if transfer.state == COMPLETING:
                call = await self._store.get_call(tenant_id, transfer.call_id)
                self._spawn(self._await_handoff(tenant_id, transfer, call.room_name))

    # -- steps --------------------------------------------------------------------------------

    def _spawn(self, coro: object) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _hold(self, media: LiveKitRooms, room: str, agent: str, *, on: bool) -> None:
        """Make the agent and the rest of the room stop (or start again) hearing each other."""
        try:
            await media.set_can_subscribe(room, agent, not on)
        except NotFound:
            log.info("agent %s is not in room %s (dropped?)", agent, room)
        tracks = await media.audio_tracks(room)
        for identity in tracks:
            if identity != agent:
                with contextlib.suppress(NotFound):
                    await media.set_hearing(
                        room, identity, track_sids=tracks.get(agent, []), on=not on
                    )

    async def _release(
        self, media: LiveKitRooms, call_room: str, transfer: transfer_pb2.Transfer
    ) -> None:
        """Take the caller off hold with A and close the consult room (best effort, logged)."""
        try:
            await self._hold(media, call_room, transfer.from_identity, on=False)
        except WarmTransferError:
            log.exception("could not lift the hold in %s", call_room)
        try:
            await media.delete_room(transfer.consult_room_name)
        except WarmTransferError:
            log.warning("could not delete consult room %s", transfer.consult_room_name)

    async def _undo(
        self, tenant_id: str, transfer: transfer_pb2.Transfer, call_room: str, why: str
    ) -> None:
        if self._media is not None:
            await self._release(self._media, call_room, transfer)
        with contextlib.suppress(WarmTransferError):
            await self._store.change_transfer(
                tenant_id,
                transfer.transfer_id,
                allowed_from=(CONSULTING, COMPLETING),
                state=transfer_pb2.TRANSFER_STATE_FAILED,
                end_reason=why,
            )

    async def _await_handoff(
        self, tenant_id: str, transfer: transfer_pb2.Transfer, call_room: str
    ) -> None:
        """Wait for B in the call room, then let A go; or give the call back to A."""
        media = self._require_media()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._arrival_timeout_s
        try:
            while loop.time() < deadline:
                present = await self._present(media, call_room)
                if transfer.to_identity in present:
                    if transfer.from_identity in present:
                        with contextlib.suppress(NotFound):
                            await media.remove_participant(call_room, transfer.from_identity)
                        continue
                    await self._store.change_transfer(
                        tenant_id,
                        transfer.transfer_id,
                        allowed_from=(COMPLETING,),
                        state=transfer_pb2.TRANSFER_STATE_COMPLETED,
                    )
                    await media.delete_room(transfer.consult_room_name)
                    return
                await asyncio.sleep(self._poll_interval_s)
            log.warning("transfer %s: %s never joined", transfer.transfer_id, transfer.to_identity)
            await self._store.change_transfer(
                tenant_id,
                transfer.transfer_id,
                allowed_from=(COMPLETING,),
                state=CONSULTING,
                end_reason=f"{transfer.to_identity} did not join the call in time",
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("hand-off of transfer %s failed", transfer.transfer_id)
            await self._undo(tenant_id, transfer, call_room, "the hand-off failed")

    async def _present(self, media: LiveKitRooms, room: str) -> set[str]:
        try:
            return set(await media.audio_tracks(room))
        except NotFound:
            return set()
