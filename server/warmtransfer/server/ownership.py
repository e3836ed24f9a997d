"""This replica's share of the live calls: which calls' work (the rolling summary, the history
index, the redaction window, a transfer under way) it runs, by leases in the call store (see
`store.owners`). A call's transcript stream that reaches another replica is forwarded here
while this replica owns the call (`forwarding`; the leases carry this replica's address).

A replica claims a call when it receives the call's transcript, and runs the call's work only
while it owns it. It renews its leases every third of their length; a lease it failed to renew
in time is lost (another replica may hold the call now) and the call's work here stops. A
transfer under way is part of its call's work: the owner follows it (`TransferCoordinator`).
Every round it also adopts the calls whose owner's lease lapsed with work waiting (a replica
that died with SIGKILL has its calls taken over within one lease and one round) and tries again
the claims that failed here; this reads the owners' table, which holds only calls whose work is
not done, so a round does not grow with the history. At start-up it reads the whole history,
for calls no replica ever claimed. The work's writes carry
the epoch they were made under, so a replica that lost a call cannot overwrite its successor's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

from warmtransfer.server.store import CallStore
from warmtransfer.server.summary_storage import CallRef

__all__ = ["CallOwnership", "load_replica_id"]

log = logging.getLogger(__name__)


def load_replica_id(data_dir: Path) -> str:
    """This replica's id, kept in its data directory: a replica restarted on the same volume
    resumes its own leases at once instead of waiting for them to lapse."""
    path = data_dir / "replica_id"
    with contextlib.suppress(FileNotFoundError):
        known = path.read_text().strip()
        if known:
            return known
    data_dir.mkdir(parents=True, exist_ok=True)
    replica = f"r-{secrets.token_hex(8)}"
    path.write_text(replica + "\n")
    return replica


class CallOwnership:
    """The calls this replica owns, with their epochs; `start()` keeps the leases alive."""

    def __init__(
        self,
        store: CallStore,
        replica_id: str,
        *,
        lease_s: float,
        work: Callable[[CallRef], None],
        finish: Callable[[CallRef], None],
        after_round: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`work(call)` starts (or catches up) an owned call's summary and index; `finish(call)`
        writes the final summary of an owned call that ended; `after_round()` runs after each
        round (and at start), when the calls owned here are known: it follows their transfers."""
        self.store = store
        self.replica_id = replica_id
        self.lease_s = lease_s
        self._work = work
        self._finish = finish
        self._after_round = after_round
        self._owned: dict[str, tuple[CallRef, int]] = {}
        self._finishing: set[str] = set()
        self._unclaimed: dict[str, CallRef] = {}  # claims that failed here: tried every round
        self._claiming: dict[str, asyncio.Task[None]] = {}  # claims under way in the background
        # host:port the other replicas reach this one at (kept with its leases): a stream of a
        # call that reaches another replica is forwarded here while this replica owns the call.
        self.address: str | None = None
        self._task: asyncio.Task[None] | None = None

    def finishing(self, call_id: str) -> None:
        """This replica is writing the call's final summary already (EndCall came here)."""
        self._finishing.add(call_id)

    def owns(self, call_id: str) -> bool:
        return call_id in self._owned

    def owned(self, call_id: str) -> CallRef | None:
        found = self._owned.get(call_id)
        return found[0] if found else None

    def fence(self, call_id: str) -> tuple[str, int] | None:
        """(replica, epoch) for a write of the call's work; None if this replica lost it."""
        epoch = self.epoch(call_id)
        return (self.replica_id, epoch) if epoch is not None else None

    def epoch(self, call_id: str) -> int | None:
        """The epoch this replica writes the call's work under; None if it does not own it."""
        owned = self._owned.get(call_id)
        return owned[1] if owned else None

    async def claim(self, ref: CallRef) -> bool:
        """Own the call unless a living replica does; whether this one owns it now."""
        if ref.call_id in self._owned:
            return True
        try:
            epoch = await self.store.acquire_call(
                ref.call_id, self.replica_id, lease_s=self.lease_s, address=self.address
            )
        except Exception:
            self._unclaimed[ref.call_id] = ref  # the next rounds try again
            raise
        self._unclaimed.pop(ref.call_id, None)
        if epoch is None:
            return False
        self._owned[ref.call_id] = (ref, epoch)
        return True

    async def owner_elsewhere(self, ref: CallRef) -> str | None:
        """Where a transcript stream of the call is taken: None for here (this replica owns the
        call, claiming it now if no living replica does, or the owner gives no address), else
        the address of the replica that owns it. Claimed before the stream's first segment, so
        a stream of the same call reaching another replica a moment later finds its owner."""
        if await self.claim(ref):
            return None
        owner = await self.store.call_owner(ref.call_id)
        if owner is None or owner[0] == self.replica_id:
            return None
        return owner[1]

    def claim_in_background(self, ref: CallRef, granted: Callable[[CallRef], None]) -> None:
        """Claim the call without waiting for the store (a stream's acknowledgements do not
        wait for it); `granted(call)` runs if this replica gets it. A claim that fails is tried
        again by the next rounds."""
        if ref.call_id in self._owned or ref.call_id in self._claiming:
            return
        task = asyncio.create_task(self._claim_then(ref, granted), name=f"claim-{ref.call_id}")
        self._claiming[ref.call_id] = task
        task.add_done_callback(lambda _: self._claiming.pop(ref.call_id, None))

    async def _claim_then(self, ref: CallRef, granted: Callable[[CallRef], None]) -> None:
        try:
            if await self.claim(ref):
                granted(ref)
        except Exception:  # the database away: the rounds try again (`_unclaimed`)
            log.warning("call %s: could not claim it", ref.call_id, exc_info=True)

    async def release(self, ref: CallRef) -> None:
        """The call's work is done here: another replica need not wait for the lease to lapse."""
        self._finishing.discard(ref.call_id)
        if self._owned.pop(ref.call_id, None) is not None:
            await self.store.release_call(ref.call_id, self.replica_id)

    async def start(self) -> None:
        """Take back this replica's own leases (a restart on the same data directory), adopt
        what waits, then keep the leases alive in the background."""
        still = await self.store.renew_calls(
            self.replica_id, lease_s=self.lease_s, address=self.address
        )
        for call_id, (tenant_id, epoch) in still.items():
            ref = CallRef(tenant_id, call_id)
            self._owned[call_id] = (ref, epoch)
            self._work(ref)
        await self._adopt(whole_history=True)
        await self._settle()
        if self._after_round is not None:
            await self._after_round()
        self._task = asyncio.create_task(self._run(), name="call-ownership")

    async def close(self) -> None:
        """Stop renewing and give every call up, so the other replicas take them at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for claiming in list(self._claiming.values()):
            claiming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await claiming
        for ref, _ in list(self._owned.values()):
            with contextlib.suppress(Exception):
                await self.release(ref)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                await self.round()
            except Exception:  # the database away for a moment: the next round tries again
                log.exception("renewing this replica's call leases failed")

    async def round(self) -> None:
        """Renew the leases, finish and give up the calls whose work is done, adopt orphans."""
        await self._renew()
        await self._settle()
        await self._adopt()
        if self._after_round is not None:
            await self._after_round()

    async def _renew(self) -> None:
        still = await self.store.renew_calls(
            self.replica_id, lease_s=self.lease_s, address=self.address
        )
        for call_id, (_, epoch) in list(self._owned.items()):
            if still.get(call_id, ("", 0))[1] != epoch:
                del self._owned[call_id]
                self._finishing.discard(call_id)
                log.warning("call %s: lease lost; its work stops on this replica", call_id)

    async def _settle(self) -> None:
        """Calls that ended (wherever EndCall arrived) get their final summary here; calls whose
        work is all done are given up."""
        waiting, done = await self.store.owned_calls_state(self.replica_id)
        for call_id in waiting:
            ref = self.owned(call_id)
            if ref is not None and call_id not in self._finishing:
                self._finishing.add(call_id)
                self._finish(ref)
        for call_id in done:
            ref = self.owned(call_id)
            if ref is not None:
                await self.release(ref)

    async def _adopt(self, *, whole_history: bool = False) -> None:
        """Claim every call with work waiting and no living owner, and start its work: the
        claims that failed here, the calls whose owner's lease lapsed, and (at start-up) any
        call of the history that no replica claimed."""
        for ref in list(self._unclaimed.values()):
            if await self.claim(ref):
                log.info("call %s: claimed now (its claim had failed)", ref.call_id)
                self._work(ref)
        found = await self.store.calls_without_owner(whole_history=whole_history)
        for tenant_id, call_id in found:
            ref = CallRef(tenant_id, call_id)
            if await self.claim(ref):
                log.info("call %s: adopted (work was waiting and no replica owned it)", call_id)
                self._work(ref)
