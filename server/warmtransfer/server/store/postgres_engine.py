"""The call store on PostgreSQL (`DATABASE_URL`): one database shared by every server replica.

Each process keeps one writer connection (the group-committing writer's) and one connection per
reader thread, all in autocommit mode with transactions begun explicitly, as on SQLite. The
store's SQL arrives with `?` placeholders and is translated once per statement text. A write
transaction first takes a transaction-scoped advisory lock for each key it names, in one sorted
order: two replicas writing one call take turns, and since every batch takes all its locks
before its first write, they cannot deadlock over them.

Schema versions are rows of `schema_migrations`; start-up applies the missing ones under a
session advisory lock, so replicas starting together migrate once.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg import conninfo, errors

from warmtransfer.server.store.engine import Conn
from warmtransfer.server.store.sqlite_engine import SCHEMA_VERSION

__all__ = ["PostgresEngine"]

# The same tables as the SQLite schema of the same version, in PostgreSQL's types.
_SCHEMA_V4 = """
CREATE TABLE calls (
    call_id             TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL,
    room_name           TEXT NOT NULL,
    customer_id         TEXT NOT NULL,
    metadata            TEXT NOT NULL,
    state               INTEGER NOT NULL,
    created_us          BIGINT NOT NULL,
    ended_us            BIGINT,
    final_segment_count INTEGER NOT NULL DEFAULT 0,
    max_seq             BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX calls_by_tenant_time ON calls (tenant_id, created_us DESC, call_id DESC);
CREATE INDEX calls_by_customer ON calls (tenant_id, customer_id, created_us DESC);

CREATE TABLE segments (
    call_id          TEXT NOT NULL,
    seq              BIGINT NOT NULL,
    speaker_identity TEXT NOT NULL,
    speaker_role     INTEGER NOT NULL,
    text_raw         TEXT NOT NULL,
    text_redacted    TEXT NOT NULL,
    start_us         BIGINT NOT NULL,
    end_us           BIGINT NOT NULL,
    on_hold          INTEGER NOT NULL,
    stored_us        BIGINT NOT NULL,
    PRIMARY KEY (call_id, seq)
);

CREATE TABLE summaries (
    call_id             TEXT PRIMARY KEY,
    summary             BYTEA NOT NULL,
    state               BYTEA NOT NULL,
    covered_through_seq BIGINT NOT NULL,
    version             BIGINT NOT NULL,
    final               INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE participants (
    call_id   TEXT NOT NULL,
    identity  TEXT NOT NULL,
    role      INTEGER NOT NULL,
    issued_us BIGINT NOT NULL,
    PRIMARY KEY (call_id, identity)
);

CREATE TABLE transfers (
    transfer_id   TEXT PRIMARY KEY,
    call_id       TEXT NOT NULL,
    tenant_id     TEXT NOT NULL,
    state         INTEGER NOT NULL,
    from_identity TEXT NOT NULL,
    to_identity   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    consult_room  TEXT NOT NULL,
    created_us    BIGINT NOT NULL,
    updated_us    BIGINT NOT NULL,
    end_reason    TEXT NOT NULL DEFAULT '',
    accepted_us   BIGINT
);
CREATE INDEX transfers_by_call ON transfers (call_id, created_us);

CREATE TABLE agent_events (
    event_id    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    identity    TEXT NOT NULL,
    transfer_id TEXT NOT NULL,
    payload     BYTEA NOT NULL
);
CREATE INDEX agent_events_by_agent ON agent_events (tenant_id, identity, event_id);

CREATE TABLE events (
    event_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id  TEXT NOT NULL,
    payload  BYTEA NOT NULL
);
CREATE INDEX events_by_call ON events (call_id, event_id);

CREATE TABLE raw_reads (
    read_id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    call_id   TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    method    TEXT NOT NULL,
    read_us   BIGINT NOT NULL
);
CREATE INDEX raw_reads_by_tenant ON raw_reads (tenant_id, read_us);

CREATE TABLE index_progress (
    call_id             TEXT PRIMARY KEY,
    indexed_through_seq BIGINT NOT NULL,
    chunk_count         INTEGER NOT NULL
);
"""

# version -> the statements that bring the version before it to this one. A new database starts
# at the version the SQLite schema had when PostgreSQL was added; later versions are added to
# both engines together.
_MIGRATIONS: dict[int, str] = {
    4: _SCHEMA_V4,
    5: """
ALTER TABLE calls ADD COLUMN settled_through_seq BIGINT NOT NULL DEFAULT 0;
UPDATE calls SET settled_through_seq = max_seq;
CREATE TABLE call_owners (
    call_id    TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    epoch      BIGINT NOT NULL,
    expires_us BIGINT NOT NULL
);
CREATE INDEX call_owners_by_owner ON call_owners (owner, expires_us);
""",
    6: "ALTER TABLE call_owners ADD COLUMN address TEXT;",
    7: """
CREATE TABLE open_streams (
    call_id TEXT NOT NULL,
    replica TEXT NOT NULL,
    PRIMARY KEY (call_id, replica)
);
CREATE INDEX open_streams_by_replica ON open_streams (replica);
CREATE TABLE replica_leases (
    replica    TEXT PRIMARY KEY,
    expires_us BIGINT NOT NULL
);
""",
}
_MIGRATION_LOCK = 0x77_74_73_63_68_65_6D_61  # "wtschema": one advisory lock id for start-up


@functools.lru_cache(maxsize=1024)
def _translate(sql: str) -> str:
    """The store's `?` placeholders as psycopg's (no statement has a literal `?` or `%`)."""
    return sql.replace("?", "%s")


def _lock_id(key: str) -> int:
    """A stable signed 64-bit advisory lock id for a key (the same in every replica)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), signed=True)


class PostgresConn:
    """A psycopg connection with sqlite3's `execute(sql, parameters)`."""

    __slots__ = ("raw",)

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> psycopg.Cursor[Any]:
        return self.raw.execute(_translate(sql), parameters or None)

    def close(self) -> None:
        self.raw.close()


class PostgresEngine:
    """The call store in a PostgreSQL database."""

    name = "postgresql"
    instant_reads = False

    def __init__(self, url: str) -> None:
        self.url = url

    def describe(self) -> str:
        params = conninfo.conninfo_to_dict(self.url)
        params.pop("password", None)
        where = f"{params.get('host', 'localhost')}:{params.get('port', 5432)}"
        return f"PostgreSQL {where}/{params.get('dbname', '')}"

    def prepare(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations"
                    " (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
                current = (row[0] if row else None) or 0
                if current > SCHEMA_VERSION:
                    raise RuntimeError(
                        f"{self.describe()}: store schema version {current}, "
                        f"this server knows {SCHEMA_VERSION}"
                    )
                for version in sorted(v for v in _MIGRATIONS if v > current):
                    with conn.transaction():
                        conn.execute(_MIGRATIONS[version])  # type: ignore[arg-type]
                        conn.execute(
                            "INSERT INTO schema_migrations (version) VALUES (%s)", (version,)
                        )
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))

    def connect(self, *, readonly: bool = False) -> PostgresConn:
        raw = psycopg.connect(self.url, autocommit=True)
        if readonly:
            raw.execute("SET default_transaction_read_only = on")
        return PostgresConn(raw)

    def begin_write(self, conn: Conn, keys: Iterable[str]) -> None:
        conn.execute("BEGIN")
        ids = sorted({_lock_id(key) for key in keys})
        if ids:
            # unnest yields the array in order and nothing sorts after it: locks in `ids` order.
            conn.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(?::bigint[]) AS k", (ids,))

    def begin_snapshot(self, conn: Conn) -> None:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def retryable(self, exc: BaseException) -> bool:
        return isinstance(exc, (errors.DeadlockDetected, errors.SerializationFailure))

    def busy(self, exc: BaseException) -> bool:
        return False
