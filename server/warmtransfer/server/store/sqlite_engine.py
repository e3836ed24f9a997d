"""The embedded engine of the call store: SQLite in WAL mode, one file under the data directory.

One writer connection commits for the whole process (see `group_commit`), so a write needs no
lock of its own; readers use read-only connections, which WAL lets run beside the writer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from warmtransfer.server.store.engine import Conn

__all__ = ["SCHEMA_VERSION", "SQLiteEngine"]

SCHEMA_VERSION = 7

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    call_id             TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL,
    room_name           TEXT NOT NULL,
    customer_id         TEXT NOT NULL,
    metadata            TEXT NOT NULL,             -- JSON object of strings
    state               INTEGER NOT NULL,          -- warmtransfer.v1.CallState
    created_us          INTEGER NOT NULL,
    ended_us            INTEGER,
    final_segment_count INTEGER NOT NULL DEFAULT 0,
    max_seq             INTEGER NOT NULL DEFAULT 0,
    -- how far no later segment can revise the redaction (summaries read no further)
    settled_through_seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS calls_by_tenant_time ON calls (tenant_id, created_us DESC, call_id DESC);
CREATE INDEX IF NOT EXISTS calls_by_customer ON calls (tenant_id, customer_id, created_us DESC);

CREATE TABLE IF NOT EXISTS segments (
    call_id          TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    speaker_identity TEXT NOT NULL,
    speaker_role     INTEGER NOT NULL,             -- warmtransfer.v1.SpeakerRole
    text_raw         TEXT NOT NULL,
    text_redacted    TEXT NOT NULL,
    start_us         INTEGER NOT NULL,
    end_us           INTEGER NOT NULL,
    on_hold          INTEGER NOT NULL,
    stored_us        INTEGER NOT NULL,
    PRIMARY KEY (call_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS summaries (
    call_id             TEXT PRIMARY KEY,
    summary             BLOB NOT NULL,             -- warmtransfer.v1.CallSummary
    state               BLOB NOT NULL,             -- the summarizer's private memory
    covered_through_seq INTEGER NOT NULL,
    version             INTEGER NOT NULL,
    final               INTEGER NOT NULL DEFAULT 0  -- written after the call ended
);

CREATE TABLE IF NOT EXISTS participants (
    call_id   TEXT NOT NULL,
    identity  TEXT NOT NULL,
    role      INTEGER NOT NULL,                    -- warmtransfer.v1.ParticipantRole
    issued_us INTEGER NOT NULL,
    PRIMARY KEY (call_id, identity)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS transfers (
    transfer_id   TEXT PRIMARY KEY,
    call_id       TEXT NOT NULL,
    tenant_id     TEXT NOT NULL,
    state         INTEGER NOT NULL,                -- warmtransfer.v1.TransferState
    from_identity TEXT NOT NULL,
    to_identity   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    consult_room  TEXT NOT NULL,
    created_us    INTEGER NOT NULL,
    updated_us    INTEGER NOT NULL,
    end_reason    TEXT NOT NULL DEFAULT '',
    accepted_us   INTEGER                          -- when the receiving agent accepted
);
CREATE INDEX IF NOT EXISTS transfers_by_call ON transfers (call_id, created_us);

-- What each receiving agent is offered: every change of a transfer to it, in order (WatchAgent).
CREATE TABLE IF NOT EXISTS agent_events (
    event_id    INTEGER PRIMARY KEY AUTOINCREMENT, -- the cursor
    tenant_id   TEXT NOT NULL,
    identity    TEXT NOT NULL,
    transfer_id TEXT NOT NULL,
    payload     BLOB NOT NULL                      -- warmtransfer.v1.WatchAgentResponse
);
CREATE INDEX IF NOT EXISTS agent_events_by_agent ON agent_events (tenant_id, identity, event_id);

CREATE TABLE IF NOT EXISTS events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,    -- the cursor
    call_id  TEXT NOT NULL,
    payload  BLOB NOT NULL                         -- warmtransfer.v1.WatchCallResponse
);
CREATE INDEX IF NOT EXISTS events_by_call ON events (call_id, event_id);

-- Every read of original (unredacted) text: who, what, when.
CREATE TABLE IF NOT EXISTS raw_reads (
    read_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    call_id   TEXT NOT NULL,
    key_id    TEXT NOT NULL,                       -- fingerprint of the API key
    method    TEXT NOT NULL,
    read_us   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS raw_reads_by_tenant ON raw_reads (tenant_id, read_us);

-- Which replica owns each call's work (store/owners.py): a lease with a fencing epoch.
CREATE TABLE IF NOT EXISTS call_owners (
    call_id    TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,                      -- the replica's id
    epoch      INTEGER NOT NULL,                   -- one more at each change of owner
    expires_us INTEGER NOT NULL,
    address    TEXT                                -- host:port other replicas reach it at
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS call_owners_by_owner ON call_owners (owner, expires_us);

-- Which replicas have a call's transcriber stream open, and which replicas live
-- (store/streams.py).
CREATE TABLE IF NOT EXISTS open_streams (
    call_id TEXT NOT NULL,
    replica TEXT NOT NULL,
    PRIMARY KEY (call_id, replica)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS open_streams_by_replica ON open_streams (replica);
CREATE TABLE IF NOT EXISTS replica_leases (
    replica    TEXT PRIMARY KEY,
    expires_us INTEGER NOT NULL
) WITHOUT ROWID;

-- How far each call's redacted transcript is indexed for retrieval.
CREATE TABLE IF NOT EXISTS index_progress (
    call_id             TEXT PRIMARY KEY,
    indexed_through_seq INTEGER NOT NULL,
    chunk_count         INTEGER NOT NULL
) WITHOUT ROWID;
"""


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """Version 2 marks final summaries; the summaries of calls ended before it are final."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("ALTER TABLE summaries ADD COLUMN final INTEGER NOT NULL DEFAULT 0")
    conn.execute(
        "UPDATE summaries SET final = 1"
        " WHERE call_id IN (SELECT call_id FROM calls WHERE ended_us IS NOT NULL)"
    )
    conn.execute("PRAGMA user_version = 2")
    conn.execute("COMMIT")


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """Version 3 adds the raw-read audit log and the retrieval index's progress (both created by
    the schema script); the segments of older calls are indexed from the start."""
    conn.execute("PRAGMA user_version = 3")


def _migrate_3_to_4(conn: sqlite3.Connection) -> None:
    """Version 4 records when a transfer was accepted and keeps each agent's offers (the
    agent_events table, created by the schema script)."""
    conn.execute("BEGIN IMMEDIATE")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(transfers)")}
    if "accepted_us" not in columns:  # a store without transfers got the table just now
        conn.execute("ALTER TABLE transfers ADD COLUMN accepted_us INTEGER")
    conn.execute("PRAGMA user_version = 4")
    conn.execute("COMMIT")


def _migrate_4_to_5(conn: sqlite3.Connection) -> None:
    """Version 5 adds the calls' owners (the table is created by the schema script) and keeps
    how far each call's transcript is settled; what was stored before is settled."""
    conn.execute("BEGIN IMMEDIATE")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(calls)")}
    if "settled_through_seq" not in columns:
        conn.execute("ALTER TABLE calls ADD COLUMN settled_through_seq INTEGER NOT NULL DEFAULT 0")
    conn.execute("UPDATE calls SET settled_through_seq = max_seq")
    conn.execute("PRAGMA user_version = 5")
    conn.execute("COMMIT")


def _migrate_5_to_6(conn: sqlite3.Connection) -> None:
    """Version 6 keeps the address of each call's owner (streams that reach another replica
    are forwarded to it)."""
    conn.execute("BEGIN IMMEDIATE")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(call_owners)")}
    if "address" not in columns:  # a store without owners got the table just now
        conn.execute("ALTER TABLE call_owners ADD COLUMN address TEXT")
    conn.execute("PRAGMA user_version = 6")
    conn.execute("COMMIT")


def _migrate_6_to_7(conn: sqlite3.Connection) -> None:
    """Version 7 keeps which replicas have a call's transcriber stream open, and which live
    (the open_streams and replica_leases tables, created by the schema script)."""
    conn.execute("PRAGMA user_version = 7")


class SQLiteEngine:
    """The call store in one SQLite file."""

    name = "sqlite"
    instant_reads = True

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        return f"SQLite {self.path}"

    def prepare(self) -> None:
        conn = self.connect()
        try:
            _migrate(conn, self.path)
        finally:
            conn.close()

    def connect(self, *, readonly: bool = False) -> sqlite3.Connection:
        if readonly:
            conn = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
        else:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit is on disk before it returns, so an ack survives a power cut too.
            conn.execute("PRAGMA synchronous = FULL")
        return conn

    def begin_write(self, conn: Conn, keys: Iterable[str]) -> None:
        conn.execute("BEGIN IMMEDIATE")  # the file's one write lock covers every key

    def begin_snapshot(self, conn: Conn) -> None:
        conn.execute("BEGIN")

    def retryable(self, exc: BaseException) -> bool:
        return False  # one writer: no transaction of ours can lose a race to another

    def busy(self, exc: BaseException) -> bool:
        text = str(exc)
        return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Create the schema, or bring an older one up to `SCHEMA_VERSION`."""
    conn.executescript(_SCHEMA)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == 0:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    elif version in (1, 2, 3, 4, 5, 6):
        if version == 1:
            _migrate_1_to_2(conn)
        if version <= 2:
            _migrate_2_to_3(conn)
        if version <= 3:
            _migrate_3_to_4(conn)
        if version <= 4:
            _migrate_4_to_5(conn)
        if version <= 5:
            _migrate_5_to_6(conn)
        _migrate_6_to_7(conn)
    elif version != SCHEMA_VERSION:
        raise RuntimeError(
            f"{path}: store schema version {version}, this server knows {SCHEMA_VERSION}"
        )
