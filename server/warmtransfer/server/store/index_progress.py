"""How far each call's redacted transcript is indexed for retrieval (the call history)."""

from __future__ import annotations

from warmtransfer.server.store.engine import Conn
from warmtransfer.server.store.owners import check_epoch

__all__ = ["index_progress", "save_index_progress"]


def index_progress(conn: Conn, call_id: str) -> tuple[int, int]:
    """(indexed_through_seq, chunk_count); (0, 0) if the call is not indexed yet."""
    row = conn.execute(
        "SELECT indexed_through_seq, chunk_count FROM index_progress WHERE call_id = ?",
        (call_id,),
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def save_index_progress(
    conn: Conn,
    call_id: str,
    through_seq: int,
    chunk_count: int,
    fence: tuple[str, int] | None = None,
) -> None:
    if fence is not None:
        check_epoch(conn, call_id, *fence)
    conn.execute(
        "INSERT INTO index_progress (call_id, indexed_through_seq, chunk_count)"
        " VALUES (?, ?, ?) ON CONFLICT (call_id) DO UPDATE SET"
        " indexed_through_seq = excluded.indexed_through_seq,"
        " chunk_count = excluded.chunk_count",
        (call_id, through_seq, chunk_count),
    )
