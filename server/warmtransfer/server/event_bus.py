"""Wakes WatchCall streams when their call gets new events, and carries live-only interims.

Stored events are always read from the store (so a watcher misses nothing and order is the
store's); the bus only says "look again". Interim segments are not stored: the bus hands them to
the watchers that are connected now, and drops them for a watcher that is too far behind. With
replicas, a `forward` (see `event_relay`) carries both to the other replicas' buses.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from typing import Final, Protocol

from warmtransfer.v1 import transcript_service_pb2

__all__ = ["EventBus", "Subscription"]

WAKE: Final = "wake"
CLOSED: Final = "closed"
Item = transcript_service_pb2.WatchCallResponse | str


class Forward(Protocol):
    """Where a bus sends its wakes and interims for the other replicas."""

    def wakes(self, keys: set[str]) -> None: ...

    def interim(self, call_id: str, event: transcript_service_pb2.WatchCallResponse) -> None: ...


class Subscription:
    """One watcher's inbox."""

    def __init__(self, bus: EventBus, call_id: str, maxsize: int = 64) -> None:
        self._bus = bus
        self.call_id = call_id
        self._queue: asyncio.Queue[Item] = asyncio.Queue(maxsize)
        self._wake_pending = False

    async def next(self) -> Item:
        """The next item: WAKE (new stored events), CLOSED (server stopping), or an interim."""
        item = await self._queue.get()
        if item == WAKE:
            self._wake_pending = False
        return item

    def close(self) -> None:
        self._bus._unsubscribe(self)

    def _wake(self) -> None:
        if not self._wake_pending:
            self._wake_pending = True
            self._force(WAKE)

    def _offer(self, item: Item) -> None:
        if not self._queue.full():
            self._queue.put_nowait(item)

    def _force(self, item: Item) -> None:
        if self._queue.full():  # drop the oldest interim to make room; wakes are never lost
            dropped = self._queue.get_nowait()
            if dropped in (WAKE, CLOSED):
                self._queue.put_nowait(dropped)
                return
        self._queue.put_nowait(item)


class EventBus:
    """Per-call fan-out to subscriptions, on one event loop."""

    def __init__(self) -> None:
        self._subs: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._closed = False
        self.forward: Forward | None = None
        # Told of other replicas' commits (the call owners' work follows them).
        self.on_remote: Callable[[set[str]], None] | None = None

    def subscribe(self, call_id: str) -> Subscription:
        sub = Subscription(self, call_id)
        if self._closed:
            sub._force(CLOSED)
        self._subs[call_id].add(sub)
        return sub

    def committed(self, keys: set[str]) -> None:
        """This replica stored new events under these keys (call ids, agents' streams)."""
        self.wake(keys)
        if self.forward is not None:
            self.forward.wakes(keys)

    def interim(self, call_id: str, event: transcript_service_pb2.WatchCallResponse) -> None:
        """An interim segment arrived at this replica."""
        self.offer_interim(call_id, event)
        if self.forward is not None:
            self.forward.interim(call_id, event)

    def remote_committed(self, keys: set[str]) -> None:
        """Another replica stored new events under these keys."""
        self.wake(keys)
        if self.on_remote is not None:
            self.on_remote(keys)

    def wake(self, keys: set[str]) -> None:
        """Wake this replica's watchers of these keys (new events are stored)."""
        for key in keys:
            for sub in self._subs.get(key, ()):
                sub._wake()

    def wake_all(self) -> None:
        """Wake every watcher of this replica (notices may have been missed)."""
        for subs in self._subs.values():
            for sub in subs:
                sub._wake()

    def offer_interim(self, call_id: str, event: transcript_service_pb2.WatchCallResponse) -> None:
        """Hand an interim to this replica's watchers of the call."""
        for sub in self._subs.get(call_id, ()):
            sub._offer(event)

    def close(self) -> None:
        """Tell every watcher the server is stopping."""
        self._closed = True
        for subs in self._subs.values():
            for sub in subs:
                sub._force(CLOSED)

    def _unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.call_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.call_id]
