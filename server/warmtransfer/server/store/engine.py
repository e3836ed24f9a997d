"""What the call store needs of a database engine, and the choice between the two it knows.

SQLite (one file under the data directory) is the embedded default; PostgreSQL serves when
`DATABASE_URL` names one, shared by every server replica. The store's SQL is written once, with
`?` placeholders; an engine's connection translates it where its dialect differs.

Every write names the keys it serializes on (a call, an agent's stream). SQLite has one writer
per file, so keys cost nothing there; PostgreSQL takes a transaction lock per key, all of a
batch's keys in one order before its first write, so replicas writing the same call take turns
and never deadlock. Within a key, commits happen in the order of the cursors they assign.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

__all__ = ["Conn", "Cursor", "Engine", "snapshot"]


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Conn(Protocol):
    """A connection as the store's SQL functions use it (sqlite3's interface)."""

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor: ...

    def close(self) -> None: ...


class Engine(Protocol):
    """Opens connections to one database and knows its ways."""

    name: str
    # Reads that take well under a millisecond may run on the event loop's own thread (an
    # embedded file); a database across a network is always read from a thread.
    instant_reads: bool

    def describe(self) -> str:
        """Where the data lives, for logs (no password)."""
        ...

    def prepare(self) -> None:
        """Create or migrate the schema (once per process, before the first connection)."""
        ...

    def connect(self, *, readonly: bool = False) -> Conn: ...

    def begin_write(self, conn: Conn, keys: Iterable[str]) -> None:
        """Begin a write transaction that holds `keys` until it ends."""
        ...

    def begin_snapshot(self, conn: Conn) -> None:
        """Begin a read transaction whose reads all see one snapshot."""
        ...

    def retryable(self, exc: BaseException) -> bool:
        """Whether a failed transaction may simply be run again (a deadlock, a lost race)."""
        ...

    def busy(self, exc: BaseException) -> bool:
        """Whether a read failed only because the database was momentarily locked."""
        ...


@contextmanager
def snapshot(engine: Engine, conn: Conn) -> Iterator[None]:
    """Every read inside the block sees one snapshot: a read transaction, ended however the
    block ends."""
    engine.begin_snapshot(conn)
    try:
        yield
    finally:
        conn.execute("COMMIT")
