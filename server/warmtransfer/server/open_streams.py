"""The media worker's transcript streams, by call: those open on this replica, and (through the
store) those open on any replica.

A call's transcriber (the media worker) keeps one `StreamTranscript` stream open for the life of
the call room, and ends it only after its last utterance is recognized and acknowledged. EndCall
closes the room first and waits for that end, so the caller's last words, said a moment before
the hang-up, are in the transcript, in `WatchCall` and in the final summary. The stream may be
open on another replica than the one EndCall reached (the worker's connection went elsewhere):
each replica records the calls it has a stream of in the store (`store.streams`, a row with a
lease it renews with its call leases), and EndCall waits until no living replica has one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warmtransfer.server.ownership import CallOwnership

__all__ = ["OpenStreams"]

log = logging.getLogger(__name__)
POLL_S = 0.1
"""While another replica has the stream, how often EndCall asks the store whether it ended."""


class OpenStreams:
    def __init__(self, ownership: CallOwnership | None = None) -> None:
        """`ownership`: this replica's id, lease and store, to record the streams in (None: a
        server on its own, which keeps them in memory only)."""
        self._ownership = ownership
        self._open: dict[str, int] = {}
        self._ended: dict[str, asyncio.Event] = {}

    @contextlib.asynccontextmanager
    async def opened(self, call_id: str) -> AsyncIterator[None]:
        """Count a stream of the call as open for the `with` block."""
        self._open[call_id] = self._open.get(call_id, 0) + 1
        if self._open[call_id] == 1:
            await self._record(call_id, open_=True)
        try:
            yield
        finally:
            self._open[call_id] -= 1
            if not self._open[call_id]:
                del self._open[call_id]
                ended = self._ended.pop(call_id, None)
                if ended is not None:
                    ended.set()
                await self._record(call_id, open_=False)

    async def _record(self, call_id: str, *, open_: bool) -> None:
        """Note in the store that this replica has (or no longer has) a stream of the call.
        Not noted (the store away for a moment): EndCall elsewhere does not wait for it, and a
        row not removed lapses with this replica's lease."""
        owner = self._ownership
        if owner is None:
            return
        try:
            if open_:
                await owner.store.stream_opened(call_id, owner.replica_id, lease_s=owner.lease_s)
            elif call_id not in self._open:  # not opened again meanwhile
                await owner.store.stream_closed(call_id, owner.replica_id)
        except Exception:
            log.warning(
                "call %s: could not record its stream's %s",
                call_id,
                "opening" if open_ else "end",
                exc_info=True,
            )

    def is_open(self, call_id: str) -> bool:
        return call_id in self._open

    async def open_anywhere(self, call_id: str) -> bool:
        """Whether a stream of the call is open here or on another living replica."""
        return self.is_open(call_id) or bool(await self._open_elsewhere(call_id))

    async def _open_elsewhere(self, call_id: str) -> list[str]:
        owner = self._ownership
        if owner is None:
            return []
        try:
            replicas = await owner.store.streams_open_on(call_id)
        except Exception:
            log.warning("call %s: could not look up its streams", call_id, exc_info=True)
            return []
        return [replica for replica in replicas if replica != owner.replica_id]

    async def wait_ended(self, call_id: str, timeout: float) -> bool:
        """Wait until no stream of the call is open, here or on another living replica; False
        if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        if call_id in self._open:
            ended = self._ended.setdefault(call_id, asyncio.Event())
            try:
                await asyncio.wait_for(ended.wait(), timeout)
            except TimeoutError:
                return False
        # The store is asked again: the replicas do not tell each other of a stream's end.
        while await self._open_elsewhere(call_id):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(POLL_S)
        return True
