"""The durable call store: calls, transcript segments, rolling summaries, transfers and events.

One facade over two engines (see `engine`): SQLite under the data directory by default, or the
PostgreSQL database `DATABASE_URL` names, shared by server replicas. The SQL of each aggregate
lives in its own module (`calls`, `segments`, `summaries`, `transfers`, `events`, `audit`,
`index_progress`); this class runs it. Writes go through one group-committing writer thread
(see `group_commit`); reads run on a small pool of reader connections. Every method is scoped to
a tenant: another tenant's call is NOT_FOUND. Events get their cursor (an increasing id) in the
same transaction as the change they describe, so a watcher that resumes from a cursor misses
nothing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from warmtransfer.server.config import Limits
from warmtransfer.server.store import (
    audit,
    calls,
    events,
    index_progress,
    owners,
    segments,
    streams,
    summaries,
)
from warmtransfer.server.store import transfers as transfer_rows
from warmtransfer.server.store.codec import now_us
from warmtransfer.server.store.engine import Conn, Engine, snapshot
from warmtransfer.server.store.group_commit import GroupCommitWriter
from warmtransfer.server.store.segments import AppendResult
from warmtransfer.server.store.summaries import StoredSummary
from warmtransfer.v1 import (
    call_pb2,
    summary_pb2,
    transcript_pb2,
    transcript_service_pb2,
    transfer_pb2,
    transfer_service_pb2,
)

__all__ = ["AppendResult", "CallStore", "StoredSummary", "open_engine"]

T = TypeVar("T")
# The most segments a briefing lists beyond its summary (the summary keeps up, so few are).
MAX_PENDING_SEGMENTS = 10_000
WatchCallResponse = transcript_service_pb2.WatchCallResponse
WatchAgentResponse = transfer_service_pb2.WatchAgentResponse


def open_engine(database_url: str | None, data_dir: Path) -> Engine:
    """PostgreSQL when `database_url` is set, else SQLite under `data_dir`."""
    if database_url:
        from warmtransfer.server.store.postgres_engine import PostgresEngine

        return PostgresEngine(database_url)
    from warmtransfer.server.store.sqlite_engine import SQLiteEngine

    data_dir.mkdir(parents=True, exist_ok=True)
    return SQLiteEngine(data_dir / "calls.sqlite3")


class CallStore:
    """Tenant-scoped access to the call store. Use `await CallStore.open(...)`."""

    def __init__(
        self, engine: Engine, limits: Limits, listener: Callable[[set[str]], None]
    ) -> None:
        self.engine = engine
        self.limits = limits
        self._writer = GroupCommitWriter(engine, on_commit=listener)
        self._readers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="store-reader")
        # Reads for background work (summaries, the history index) queue here, so a burst of
        # them never delays the reads an RPC waits on.
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-background")
        self._local = threading.local()
        self._instant: Conn | None = None  # reads on the event loop
        self._reader_conns: list[Conn] = []
        self._lock = threading.Lock()

    @classmethod
    async def open(
        cls,
        data_dir: Path,
        *,
        database_url: str | None = None,
        limits: Limits | None = None,
        listener: Callable[[set[str]], None] = lambda ids: None,
    ) -> CallStore:
        """Open (creating or migrating if needed) the store: the PostgreSQL database at
        `database_url`, else SQLite under `data_dir`.

        `listener` is called on the event loop after each commit with the ids of the calls that
        got new events.
        """
        engine = open_engine(database_url, data_dir)
        await asyncio.to_thread(engine.prepare)
        store = cls(engine, limits or Limits(), listener)
        await store._writer.start()
        return store

    async def close(self) -> None:
        """Commit what is queued and close every connection."""
        await self._writer.close()
        self._readers.shutdown(wait=True)
        self._background.shutdown(wait=True)
        for conn in self._reader_conns:
            conn.close()
        if self._instant is not None:
            self._instant.close()

    # -- calls --------------------------------------------------------------------------------

    async def create_call(
        self,
        tenant_id: str,
        customer_id: str,
        metadata: Mapping[str, str],
        call_id: str | None = None,
    ) -> call_pb2.Call:
        call_id = call_id or calls.new_call_id()
        at = now_us()
        return await self._writer.submit(
            lambda conn: calls.insert_call(conn, tenant_id, call_id, customer_id, metadata, at),
            notify=call_id,
        )

    async def get_call(self, tenant_id: str, call_id: str) -> call_pb2.Call:
        return await self._read(lambda conn: calls.require_call(conn, tenant_id, call_id))

    async def list_calls(
        self,
        tenant_id: str,
        *,
        page_size: int,
        after: tuple[int, str] | None,
        state: int = 0,
        customer_id: str = "",
    ) -> tuple[list[call_pb2.Call], tuple[int, str] | None]:
        """A page of calls, newest first, after the (created_us, call_id) position `after`."""
        return await self._read(
            lambda conn: calls.list_calls(
                conn,
                tenant_id,
                page_size=page_size,
                after=after,
                state=state,
                customer_id=customer_id,
            )
        )

    async def end_call(self, tenant_id: str, call_id: str) -> tuple[call_pb2.Call, bool]:
        """Mark the call ended; return it and whether it changed (False if already ended)."""
        at = now_us()
        return await self._writer.submit(
            lambda conn: calls.end_call(conn, tenant_id, call_id, at), notify=call_id
        )

    async def settle_call(self, tenant_id: str, call_id: str) -> None:
        """Nothing can revise the call's stored transcript any more (it is ending): summaries
        may read all of it."""
        await self._writer.submit(
            lambda conn: calls.settle(conn, tenant_id, call_id), locks=call_id
        )

    async def register_participant(
        self, tenant_id: str, call_id: str, identity: str, role: int
    ) -> call_pb2.Call:
        """Record that `identity` joins the live call as `role`; identities are unique per call.

        Asking again for the same identity and role is fine (a reconnect); another role is not.
        """
        at = now_us()
        return await self._writer.submit(
            lambda conn: calls.register_participant(conn, tenant_id, call_id, identity, role, at),
            locks=call_id,
        )

    async def record_participant_event(
        self, tenant_id: str, call_id: str, identity: str, kind: int, at_us: int
    ) -> call_pb2.Participant:
        """Record that `identity` joined or left the call's room, with its ParticipantChanged
        event; the participant's role is the one its token was issued for (if any)."""
        return await self._writer.submit(
            lambda conn: calls.record_participant_event(
                conn, tenant_id, call_id, identity, kind, at_us
            ),
            notify=call_id,
        )

    async def change_call_state(
        self, tenant_id: str, call_id: str, *, allowed_from: tuple[int, ...], state: int
    ) -> call_pb2.Call:
        """Move a call between live states (hold, resume), with its event."""
        at = now_us()
        return await self._writer.submit(
            lambda conn: calls.change_call_state(
                conn, tenant_id, call_id, allowed_from=allowed_from, state=state, at_us=at
            ),
            notify=call_id,
        )

    async def previous_calls(
        self, tenant_id: str, customer_id: str, *, before_call_id: str, limit: int
    ) -> list[call_pb2.Call]:
        """The customer's calls created before `before_call_id`, newest first."""
        return await self._read(
            lambda conn: calls.previous_calls(
                conn, tenant_id, customer_id, before_call_id=before_call_id, limit=limit
            )
        )

    # -- transfers ----------------------------------------------------------------------------

    async def start_transfer(
        self,
        tenant_id: str,
        call_id: str,
        *,
        from_identity: str,
        to_identity: str,
        reason: str,
    ) -> tuple[transfer_pb2.Transfer, call_pb2.Call]:
        """Record a new transfer (CONSULTING) and put the call in TRANSFERRING, atomically."""
        at = now_us()
        transfer_id = transfer_rows.new_transfer_id()
        return await self._writer.submit(
            lambda conn: transfer_rows.start_transfer(
                conn,
                tenant_id,
                call_id,
                transfer_id=transfer_id,
                from_identity=from_identity,
                to_identity=to_identity,
                reason=reason,
                at_us=at,
            ),
            notify=self._transfer_keys(call_id, tenant_id, to_identity),
        )

    @staticmethod
    def _transfer_keys(call_id: str, tenant_id: str, to_identity: str) -> tuple[str, ...]:
        """What a transfer's change notifies: the call's watchers, the receiving agent's
        stream, and the replica that follows the call's transfer."""
        return (
            call_id,
            transfer_rows.agent_key(tenant_id, to_identity),
            transfer_rows.transfers_key(call_id),
        )

    async def change_transfer(
        self,
        tenant_id: str,
        transfer_id: str,
        *,
        state: int,
        end_reason: str = "",
    ) -> transfer_pb2.Transfer:
        """Move a transfer on, as `transfer.states.MOVES` allows; when it ends, the call is
        active again (unless it ended)."""
        at = now_us()
        known = await self.get_transfer(tenant_id, transfer_id)
        return await self._writer.submit(
            lambda conn: transfer_rows.change_transfer(
                conn,
                tenant_id,
                transfer_id,
                state=state,
                end_reason=end_reason,
                at_us=at,
            ),
            notify=self._transfer_keys(known.call_id, tenant_id, known.to_identity),
        )

    async def accept_transfer(
        self, tenant_id: str, transfer_id: str
    ) -> tuple[transfer_pb2.Transfer, bool]:
        """Mark a CONSULTING transfer accepted by its receiving agent (the first time only);
        return it and whether this call accepted it. The call's watchers see the change."""
        at = now_us()
        known = await self.get_transfer(tenant_id, transfer_id)
        return await self._writer.submit(
            lambda conn: transfer_rows.accept_transfer(conn, tenant_id, transfer_id, at_us=at),
            notify=self._transfer_keys(known.call_id, tenant_id, known.to_identity),
        )

    async def agent_events_after(
        self, tenant_id: str, identity: str, after_event_id: int | None, *, limit: int = 500
    ) -> tuple[list[WatchAgentResponse], int]:
        """The agent's events after a cursor (None: from its first offer still under way) and
        the cursor the read started after."""

        def read(conn: Conn) -> tuple[list[WatchAgentResponse], int]:
            if after_event_id is not None:
                events = transfer_rows.agent_events_after(
                    conn, tenant_id, identity, after_event_id, limit
                )
                return events, after_event_id
            # One snapshot: an offer committed between finding where to start and reading from
            # there would otherwise be the start itself, skipped, and never read again.
            with snapshot(self.engine, conn):
                start = transfer_rows.first_open_offer_cursor(conn, tenant_id, identity)
                events = transfer_rows.agent_events_after(conn, tenant_id, identity, start, limit)
            return events, start

        return await self._read(read)

    async def get_transfer(self, tenant_id: str, transfer_id: str) -> transfer_pb2.Transfer:
        return await self._read(
            lambda conn: transfer_rows.require_transfer(conn, tenant_id, transfer_id)
        )

    async def owned_transfers(
        self, replica: str, *, at_us: int | None = None
    ) -> list[tuple[str, transfer_pb2.Transfer, bool]]:
        """(tenant_id, transfer, caller let in) of the transfers under way in the replica's
        calls."""
        now = at_us or now_us()
        return await self._read(
            lambda conn: transfer_rows.owned_transfers(conn, replica, now_us=now)
        )

    # -- transcript ---------------------------------------------------------------------------

    def append_segment(
        self,
        tenant_id: str,
        call_id: str,
        segment: transcript_pb2.TranscriptSegment,
        redacted: str,
        *,
        keep_original: bool = True,
        revisions: Sequence[tuple[int, str]] = (),
        settled_through: int | None = None,
    ) -> asyncio.Future[AppendResult]:
        """Queue one final segment (idempotent on seq) with its SegmentAdded event.

        `keep_original=False` stores the redacted text only. `revisions` are new redacted texts
        of earlier segments `(seq, text)`, completed by this one; they are written in the same
        transaction, each with a SegmentRedacted event, unless this seq is a duplicate.
        `settled_through`: how far the redactor can no longer revise (None: everything).
        Segments are stored in the order this is called; the future resolves after commit.
        """
        at = now_us()
        limit = self.limits.max_segments_per_call
        return self._writer.enqueue(
            lambda conn: segments.append_segment(
                conn,
                tenant_id,
                call_id,
                segment,
                redacted,
                keep_original=keep_original,
                revisions=revisions,
                limit=limit,
                at_us=at,
                settled_through=settled_through,
            ),
            notify=call_id,
        )

    async def get_segments(
        self,
        tenant_id: str,
        call_id: str,
        *,
        after_seq: int = 0,
        limit: int,
        raw: bool = False,
        settled: bool = False,
        background: bool = False,
    ) -> list[transcript_pb2.TranscriptSegment]:
        """Final segments with a seq above `after_seq`, in seq order, redacted unless `raw`,
        settled ones only with `settled`. `background` reads queue apart from the reads RPCs
        wait on."""

        def read(conn: Conn) -> list[transcript_pb2.TranscriptSegment]:
            calls.require_call(conn, tenant_id, call_id)
            return segments.read_segments(conn, call_id, after_seq, limit, raw=raw, settled=settled)

        return await self._read(read, background=background)

    async def record_raw_read(
        self, tenant_id: str, call_id: str, *, key_id: str, method: str
    ) -> None:
        """Record a read of original text in the audit log (before the text is returned)."""
        at = now_us()
        await self._writer.enqueue(
            lambda conn: audit.record_raw_read(
                conn, tenant_id, call_id, key_id=key_id, method=method, at_us=at
            )
        )

    async def raw_reads(self, tenant_id: str) -> list[tuple[str, str, str, int]]:
        """The audit log of a tenant's raw reads: (call_id, key_id, method, read_us), oldest
        first."""
        return await self._read(lambda conn: audit.raw_reads(conn, tenant_id))

    # -- retrieval index progress -------------------------------------------------------------

    async def unindexed(
        self, tenant_id: str, call_id: str, *, limit: int
    ) -> tuple[call_pb2.Call, int, int, list[transcript_pb2.TranscriptSegment]]:
        """What the history indexer needs of a call, in one background read: the call, how far
        it is indexed (indexed_through_seq, chunk_count) and the redacted segments after that."""

        def read(
            conn: Conn,
        ) -> tuple[call_pb2.Call, int, int, list[transcript_pb2.TranscriptSegment]]:
            call = calls.require_call(conn, tenant_id, call_id)
            through, chunks = index_progress.index_progress(conn, call_id)
            return (
                call,
                through,
                chunks,
                segments.read_segments(conn, call_id, through, limit, raw=False),
            )

        return await self._read(read, background=True)

    async def index_progress(self, call_id: str) -> tuple[int, int]:
        """How far a call is indexed: (indexed_through_seq, chunk_count); (0, 0) if not yet."""
        return await self._read(lambda conn: index_progress.index_progress(conn, call_id))

    async def save_index_progress(
        self,
        call_id: str,
        through_seq: int,
        chunk_count: int,
        *,
        fence: tuple[str, int] | None = None,
    ) -> None:
        await self._writer.enqueue(
            lambda conn: index_progress.save_index_progress(
                conn, call_id, through_seq, chunk_count, fence
            ),
            locks=call_id,
        )

    async def get_summary(self, tenant_id: str, call_id: str) -> StoredSummary | None:
        def read(conn: Conn) -> StoredSummary | None:
            calls.require_call(conn, tenant_id, call_id)
            return summaries.read_summary(conn, call_id)

        return await self._read(read)

    async def get_summary_and_pending(
        self, tenant_id: str, call_id: str, *, limit: int
    ) -> tuple[summary_pb2.CallSummary, list[transcript_pb2.TranscriptSegment]]:
        """The latest summary and the redacted segments after it, read in one snapshot."""

        def read(
            conn: Conn,
        ) -> tuple[summary_pb2.CallSummary, list[transcript_pb2.TranscriptSegment]]:
            with snapshot(self.engine, conn):
                calls.require_call(conn, tenant_id, call_id)
                stored = summaries.read_summary(conn, call_id)
                summary = stored.summary if stored else summary_pb2.CallSummary()
                pending = segments.read_segments(
                    conn, call_id, summary.covered_through_seq, limit, raw=False
                )
            return summary, pending

        # The briefing path: a few indexed rows. On an embedded file it is read on the event
        # loop itself: handing it to a reader thread and back costs more than the read, and on a
        # busy machine each handoff waits for a CPU (measured: GetSummary p99 at 500 live calls
        # 12.4 -> 8.3 ms).
        return await self._read_now(read)

    async def save_summary(
        self,
        call_id: str,
        summary: summary_pb2.CallSummary,
        state: bytes,
        *,
        fence: tuple[str, int] | None = None,
    ) -> summary_pb2.CallSummary:
        """Store a newer summary and its SummaryUpdated event; a stale one, or one made under a
        `fence` (replica, epoch) that lost the call, is refused (FAILED_PRECONDITION).

        Returns the summary as stored (with `version` and `updated_at` set).
        """
        at = now_us()
        return await self._writer.submit(
            lambda conn: summaries.save_summary(conn, call_id, summary, state, at, fence),
            notify=call_id,
        )

    # -- owners (see store.owners) -------------------------------------------------------------

    async def acquire_call(
        self,
        call_id: str,
        replica: str,
        *,
        lease_s: float,
        at_us: int | None = None,
        address: str | None = None,
    ) -> int | None:
        """Own the call for `lease_s` unless a living replica does; the epoch, or None."""
        now, ttl = at_us or now_us(), int(lease_s * 1e6)
        return await self._writer.submit(
            lambda conn: owners.acquire(
                conn, call_id, replica, now_us=now, ttl_us=ttl, address=address
            ),
            locks=call_id,
        )

    async def renew_calls(
        self,
        replica: str,
        *,
        lease_s: float,
        at_us: int | None = None,
        address: str | None = None,
    ) -> dict[str, tuple[str, int]]:
        """Extend the replica's live leases; call id -> (tenant, epoch) of what it still owns."""
        now, ttl = at_us or now_us(), int(lease_s * 1e6)

        def renew(conn: Conn) -> dict[str, tuple[str, int]]:
            streams.renew(conn, replica, now_us=now, ttl_us=ttl)
            return owners.renew(conn, replica, now_us=now, ttl_us=ttl, address=address)

        return await self._writer.submit(renew)

    # -- the transcriber streams open on each replica (see store.streams) --------------------

    async def stream_opened(
        self, call_id: str, replica: str, *, lease_s: float, at_us: int | None = None
    ) -> None:
        now, ttl = at_us or now_us(), int(lease_s * 1e6)
        await self._writer.submit(
            lambda conn: streams.opened(conn, call_id, replica, now_us=now, ttl_us=ttl),
            locks=call_id,
        )

    async def stream_closed(self, call_id: str, replica: str) -> None:
        await self._writer.submit(
            lambda conn: streams.closed(conn, call_id, replica), locks=call_id
        )

    async def streams_open_on(self, call_id: str, *, at_us: int | None = None) -> list[str]:
        """The living replicas with a transcriber stream of the call open."""
        now = at_us or now_us()
        return await self._read(lambda conn: streams.open_on(conn, call_id, now_us=now))

    async def call_owner(self, call_id: str) -> tuple[str, str | None] | None:
        """(replica, address) of the call's living owner, or None."""
        now = now_us()
        return await self._read(lambda conn: owners.living_owner(conn, call_id, now_us=now))

    async def release_call(self, call_id: str, replica: str) -> None:
        await self._writer.submit(
            lambda conn: owners.release(conn, call_id, replica), locks=call_id
        )

    async def calls_without_owner(
        self, *, at_us: int | None = None, whole_history: bool = True
    ) -> list[tuple[str, str]]:
        """(tenant_id, call_id) of the calls with work waiting and no living owner; without
        `whole_history`, only among the lapsed leases (see `owners.without_owner`)."""
        now = at_us or now_us()
        return await self._read(
            lambda conn: owners.without_owner(conn, now_us=now, whole_history=whole_history)
        )

    async def owned_calls_state(
        self, replica: str, *, at_us: int | None = None
    ) -> tuple[list[str], list[str]]:
        """Of the replica's calls: ended awaiting their final summary, and all done."""
        now = at_us or now_us()
        return await self._read(lambda conn: owners.owned_state(conn, replica, now_us=now))

    # -- events -------------------------------------------------------------------------------

    async def events_after(
        self, tenant_id: str, call_id: str, after_event_id: int, *, limit: int = 500
    ) -> list[WatchCallResponse]:
        """Stored events of the call after a cursor, oldest first, each with its cursor set."""

        def read(conn: Conn) -> list[WatchCallResponse]:
            calls.require_call(conn, tenant_id, call_id)
            return events.events_after(conn, call_id, after_event_id, limit)

        return await self._read(read)

    async def last_event_id(self, tenant_id: str, call_id: str) -> int:
        def read(conn: Conn) -> int:
            calls.require_call(conn, tenant_id, call_id)
            return events.last_event_id(conn, call_id)

        return await self._read(read)

    # -- plumbing -----------------------------------------------------------------------------

    async def _read_now(self, fn: Callable[[Conn], T]) -> T:
        """Run a read that takes well under a millisecond on the calling thread, where the
        engine allows it; should the database be busy (SQLite recovering a WAL), fall back to a
        reader thread rather than block the loop."""
        if not self.engine.instant_reads:
            return await self._read(fn)
        if self._instant is None:
            self._instant = self.engine.connect(readonly=True)
            self._instant.execute("PRAGMA busy_timeout = 0")
        try:
            return fn(self._instant)
        except Exception as exc:
            if not self.engine.busy(exc):
                raise
            return await self._read(fn)

    async def _read(self, fn: Callable[[Conn], T], *, background: bool = False) -> T:
        loop = asyncio.get_running_loop()
        pool = self._background if background else self._readers
        return await loop.run_in_executor(pool, self._run_read, fn)

    def _run_read(self, fn: Callable[[Conn], T]) -> T:
        conn: Conn | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.engine.connect(readonly=True)
            self._local.conn = conn
            with self._lock:
                self._reader_conns.append(conn)
        return fn(conn)
