"""Which replica owns each live call: a lease with a fencing epoch.

A call's rolling summary, redaction memory and history indexing run on one replica at a time,
its owner. The owner holds a lease that it renews; when the lease lapses (the replica died or
lost the database), another replica takes the call over and the epoch goes up by one. Writes
made for the owner carry the epoch they were made under, and a write with a stale epoch is
refused, so a replica that was presumed dead and comes back cannot overwrite its successor's
summary.

Every function runs under the call's key (see `engine`), so two replicas racing for a call take
turns: one gets it, the other sees it owned.
"""

from __future__ import annotations

from warmtransfer.server.errors import FailedPrecondition
from warmtransfer.server.store.engine import Conn
from warmtransfer.v1 import transfer_pb2

__all__ = [
    "acquire",
    "check_epoch",
    "living_owner",
    "owned_state",
    "release",
    "renew",
    "without_owner",
]

# A transfer under way is work too: its owner follows it to the end (see `transfer.coordinator`).
_TRANSFER_UNDER_WAY = (
    "EXISTS (SELECT 1 FROM transfers t WHERE t.call_id = c.call_id"
    f" AND t.state IN ({transfer_pb2.TRANSFER_STATE_CONSULTING},"
    f" {transfer_pb2.TRANSFER_STATE_COMPLETING}))"
)


def acquire(
    conn: Conn,
    call_id: str,
    replica: str,
    *,
    now_us: int,
    ttl_us: int,
    address: str | None = None,
) -> int | None:
    """Own the call for `ttl_us` if nobody does (or the lease lapsed, or it is ours already);
    the epoch to write under, or None when another replica holds it. `address` is where the
    other replicas reach this one."""
    row = conn.execute(
        "SELECT owner, epoch, expires_us FROM call_owners WHERE call_id = ?", (call_id,)
    ).fetchone()
    expires = now_us + ttl_us
    if row is None:
        conn.execute(
            "INSERT INTO call_owners (call_id, owner, epoch, expires_us, address)"
            " VALUES (?, ?, 1, ?, ?)",
            (call_id, replica, expires, address),
        )
        return 1
    owner, epoch, until = str(row[0]), int(row[1]), int(row[2])
    if owner == replica and until >= now_us:
        conn.execute(
            "UPDATE call_owners SET expires_us = ?, address = ? WHERE call_id = ?",
            (expires, address, call_id),
        )
        return epoch
    if until >= now_us:
        return None  # another replica's, and alive
    conn.execute(
        "UPDATE call_owners SET owner = ?, epoch = ?, expires_us = ?, address = ?"
        " WHERE call_id = ?",
        (replica, epoch + 1, expires, address, call_id),
    )
    return epoch + 1


def renew(
    conn: Conn, replica: str, *, now_us: int, ttl_us: int, address: str | None = None
) -> dict[str, tuple[str, int]]:
    """Extend every live lease of `replica` (and note its `address`); the calls it still owns,
    as call id -> (tenant, epoch). A lease that lapsed before this is not renewed: the call may
    have a new owner."""
    conn.execute(
        "UPDATE call_owners SET expires_us = ?, address = ? WHERE owner = ? AND expires_us >= ?",
        (now_us + ttl_us, address, replica, now_us),
    )
    rows = conn.execute(
        "SELECT o.call_id, c.tenant_id, o.epoch FROM call_owners o"
        " JOIN calls c ON c.call_id = o.call_id WHERE o.owner = ? AND o.expires_us >= ?",
        (replica, now_us),
    ).fetchall()
    return {str(r[0]): (str(r[1]), int(r[2])) for r in rows}


_JOINS = (
    " LEFT JOIN summaries s ON s.call_id = c.call_id"
    " LEFT JOIN index_progress p ON p.call_id = c.call_id"
)
_WORK_WAITING = (
    "(c.max_seq > COALESCE(s.covered_through_seq, 0)"
    " OR (c.ended_us IS NOT NULL AND c.max_seq > 0 AND COALESCE(s.final, 0) = 0)"
    " OR c.max_seq > COALESCE(p.indexed_through_seq, 0)"
    f" OR {_TRANSFER_UNDER_WAY})"
)


def living_owner(conn: Conn, call_id: str, *, now_us: int) -> tuple[str, str | None] | None:
    """(replica, its address) of the call's owner while its lease lives; None otherwise."""
    row = conn.execute(
        "SELECT owner, address FROM call_owners WHERE call_id = ? AND expires_us >= ?",
        (call_id, now_us),
    ).fetchone()
    return (str(row[0]), None if row[1] is None else str(row[1])) if row else None


def without_owner(conn: Conn, *, now_us: int, whole_history: bool = True) -> list[tuple[str, str]]:
    """(tenant_id, call_id) of the calls with work waiting (a summary behind, a final summary
    missing, an index behind, a transfer under way) and no living owner.

    `whole_history=False` reads only the calls whose owner's lease lapsed (the owners' table
    holds the calls whose work is not done, so this does not grow with the history): what a
    replica dying leaves behind. The whole history, read at start-up, also finds calls that no
    replica ever claimed (a store from before owners, a claim that failed on a replica that
    died before it could try again)."""
    if whole_history:
        sql = (
            "SELECT c.tenant_id, c.call_id FROM calls c"
            f"{_JOINS} LEFT JOIN call_owners o ON o.call_id = c.call_id"
            f" WHERE (o.call_id IS NULL OR o.expires_us < ?) AND {_WORK_WAITING}"
        )
    else:
        sql = (
            "SELECT c.tenant_id, c.call_id FROM call_owners o"
            f" JOIN calls c ON c.call_id = o.call_id{_JOINS}"
            f" WHERE o.expires_us < ? AND {_WORK_WAITING}"
        )
    rows = conn.execute(sql, (now_us,)).fetchall()
    return sorted((str(r[0]), str(r[1])) for r in rows)


def owned_state(conn: Conn, replica: str, *, now_us: int) -> tuple[list[str], list[str]]:
    """Of the calls `replica` owns: those that ended without their final summary yet, and those
    whose work is all done (ended, final summary written, indexed to the end, no transfer under
    way)."""
    rows = conn.execute(
        "SELECT c.call_id, c.max_seq, COALESCE(s.final, 0), COALESCE(p.indexed_through_seq, 0),"
        f" {_TRANSFER_UNDER_WAY}"
        " FROM call_owners o JOIN calls c ON c.call_id = o.call_id"
        " LEFT JOIN summaries s ON s.call_id = c.call_id"
        " LEFT JOIN index_progress p ON p.call_id = c.call_id"
        " WHERE o.owner = ? AND o.expires_us >= ? AND c.ended_us IS NOT NULL",
        (replica, now_us),
    ).fetchall()
    waiting, done = [], []
    for call_id, max_seq, final, indexed, transferring in rows:
        summarized = final or not max_seq
        if not summarized:
            waiting.append(str(call_id))
        elif indexed >= max_seq and not transferring:
            done.append(str(call_id))
    return waiting, done


def release(conn: Conn, call_id: str, replica: str) -> None:
    """Give the call up (its work is done); a call owned by another replica is left alone."""
    conn.execute("DELETE FROM call_owners WHERE call_id = ? AND owner = ?", (call_id, replica))


def check_epoch(conn: Conn, call_id: str, replica: str, epoch: int) -> None:
    """Refuse a write made under an epoch that is no longer the call's."""
    row = conn.execute(
        "SELECT owner, epoch FROM call_owners WHERE call_id = ?", (call_id,)
    ).fetchone()
    if row is None or str(row[0]) != replica or int(row[1]) != epoch:
        now = f"epoch {row[1]} of {row[0]}" if row else "no owner"
        raise FailedPrecondition(
            f"call {call_id!r}: a write under epoch {epoch} of {replica} is stale ({now})",
            field="call_id",
        )
