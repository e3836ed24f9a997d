"""The audit log of reads of original (unredacted) text: who read which call, how, when."""

from __future__ import annotations

from warmtransfer.server.store.engine import Conn

__all__ = ["raw_reads", "record_raw_read"]


def record_raw_read(
    conn: Conn, tenant_id: str, call_id: str, *, key_id: str, method: str, at_us: int
) -> None:
    conn.execute(
        "INSERT INTO raw_reads (tenant_id, call_id, key_id, method, read_us)"
        " VALUES (?, ?, ?, ?, ?)",
        (tenant_id, call_id, key_id, method, at_us),
    )


def raw_reads(conn: Conn, tenant_id: str) -> list[tuple[str, str, str, int]]:
    """(call_id, key_id, method, read_us) of each read of the tenant's original text, oldest
    first."""
    rows = conn.execute(
        "SELECT call_id, key_id, method, read_us FROM raw_reads WHERE tenant_id = ?"
        " ORDER BY read_id",
        (tenant_id,),
    ).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]
