"""Wakes and interims across server replicas, through one Redis Stream (`REDIS_URL`).

A call's stored events live in the call store, shared by the replicas (PostgreSQL), with their
cursors; `WatchCall` on any replica reads them from there after the client's cursor, so a
client that reconnects to another replica misses nothing and sees nothing twice. What a replica
cannot know by itself is *when* to look: another replica committed events of a call it has
watchers for. Each replica appends the keys its commits notify (call ids, agents' streams) and
the interim segments it receives to the stream `warmtransfer:events`; every replica tails the
stream and wakes its own watchers. Nothing of a call's text but interims passes through Redis,
and those are what live watchers see anyway.

Entries are appended after the commit they tell of; a replica that loses Redis keeps serving
its own watchers, and once reconnected wakes all of them (they re-read the store), so a notice
lost meanwhile delays a watcher, never drops an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError
from redis.typing import EncodableT, FieldT

from warmtransfer.server.event_bus import EventBus
from warmtransfer.v1 import transcript_service_pb2

__all__ = ["RedisEventRelay"]

log = logging.getLogger(__name__)
STREAM = "warmtransfer:events"
# Entries kept (approximately): minutes of notices at thousands of calls. A replica further
# behind than this after a disconnect wakes all its watchers anyway.
MAX_LEN = 100_000
READ_COUNT = 1_000
BLOCK_MS = 2_000
RETRY_S = (0.1, 0.5, 1.0, 2.0)


class RedisEventRelay:
    """Forwards this replica's wakes and interims to the others, and theirs to this one's bus."""

    def __init__(self, url: str, bus: EventBus, *, replica_id: str | None = None) -> None:
        self.url = url
        self.bus = bus
        self.replica_id = replica_id or secrets.token_hex(8)
        self._outbox: asyncio.Queue[dict[FieldT, EncodableT]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._writer: redis.Redis | None = None

    async def start(self) -> None:
        """Connect (failing loudly if Redis cannot be reached) and start relaying."""
        self._writer = redis.Redis.from_url(self.url)
        await self._writer.ping()
        start_id = await self._last_id(self._writer)
        self._tasks = [
            asyncio.create_task(self._publish(), name="event-relay-publish"),
            asyncio.create_task(self._tail(start_id), name="event-relay-tail"),
        ]
        self.bus.forward = self

    async def close(self) -> None:
        self.bus.forward = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._writer is not None:
            await self._writer.aclose()

    # -- from this replica's bus --------------------------------------------------------------

    def wakes(self, keys: set[str]) -> None:
        if keys:
            self._outbox.put_nowait({"o": self.replica_id, "w": json.dumps(sorted(keys))})

    def interim(self, call_id: str, event: transcript_service_pb2.WatchCallResponse) -> None:
        self._outbox.put_nowait(
            {"o": self.replica_id, "c": call_id, "i": event.SerializeToString()}
        )

    async def _publish(self) -> None:
        """Append what the bus forwards, many entries per round trip."""
        assert self._writer is not None
        while True:
            entries = [await self._outbox.get()]
            while not self._outbox.empty() and len(entries) < READ_COUNT:
                entries.append(self._outbox.get_nowait())
            for attempt, pause in enumerate((0.0, *RETRY_S)):
                await asyncio.sleep(pause)
                try:
                    async with self._writer.pipeline(transaction=False) as pipe:
                        for entry in entries:
                            pipe.xadd(STREAM, entry, maxlen=MAX_LEN, approximate=True)
                        await pipe.execute()
                    break
                except (RedisError, OSError, RuntimeError, asyncio.IncompleteReadError) as exc:
                    # A connection broken mid-reply may surface as any of these: the relay
                    # must outlive it (a dead publisher would leave the others' watchers
                    # waiting for good).
                    if attempt == len(RETRY_S):
                        log.warning(
                            "event relay: %d notices not sent to Redis (%s); other "
                            "replicas' watchers wait for the next",
                            len(entries),
                            exc,
                        )

    # -- from the other replicas --------------------------------------------------------------

    async def _tail(self, last_id: str) -> None:
        failures = 0
        reader: redis.Redis | None = None
        try:
            while True:
                try:
                    if reader is None:
                        reader = redis.Redis.from_url(self.url)
                        if failures:
                            self.bus.wake_all()  # notices may have been missed meanwhile
                    found: Any = await reader.xread(
                        {STREAM: last_id}, count=READ_COUNT, block=BLOCK_MS
                    )
                    failures = 0
                except (RedisError, OSError, RuntimeError, asyncio.IncompleteReadError) as exc:
                    log.warning("event relay: reading Redis failed (%s); retrying", exc)
                    if reader is not None:
                        await reader.aclose()
                    reader = None
                    await asyncio.sleep(RETRY_S[min(failures, len(RETRY_S) - 1)])
                    failures += 1
                    continue
                for _stream, entries in found:
                    for entry_id, fields in entries:
                        last_id = entry_id.decode()
                        self._deliver(fields)
        finally:
            if reader is not None:
                await reader.aclose()

    def _deliver(self, fields: dict[bytes, bytes]) -> None:
        if fields.get(b"o", b"").decode() == self.replica_id:
            return  # this replica's own: its watchers were woken at the commit
        if b"w" in fields:
            self.bus.remote_committed(set(json.loads(fields[b"w"])))
        elif b"i" in fields:
            event = transcript_service_pb2.WatchCallResponse.FromString(fields[b"i"])
            self.bus.offer_interim(fields[b"c"].decode(), event)

    @staticmethod
    async def _last_id(client: redis.Redis) -> str:
        """The id of the stream's newest entry: this replica tails what comes after it."""
        newest: Any = await client.xrevrange(STREAM, count=1)
        return newest[0][0].decode() if newest else "0-0"
