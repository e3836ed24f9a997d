"""Which replicas have a call's transcriber stream open: a row per (call, replica) with a lease.

The media worker keeps one `StreamTranscript` stream open per call, to whichever replica its
connection reached (and that one forwards it to the call's owner). EndCall, on any replica,
waits for that stream to end so the final summary has the caller's last words; these rows tell
it there is one to wait for, and when it has ended. A replica renews the leases of its rows with
its call leases (`owners.renew`), so the rows of a replica that died lapse with its calls.
"""

from __future__ import annotations

from warmtransfer.server.store.engine import Conn

__all__ = ["closed", "open_on", "opened", "renew"]


def opened(conn: Conn, call_id: str, replica: str, *, now_us: int, ttl_us: int) -> None:
    """`replica` has a stream of the call open, for `ttl_us` unless renewed."""
    conn.execute(
        "INSERT INTO open_streams (call_id, replica, expires_us) VALUES (?, ?, ?)"
        " ON CONFLICT (call_id, replica) DO UPDATE SET expires_us = excluded.expires_us",
        (call_id, replica, now_us + ttl_us),
    )


def closed(conn: Conn, call_id: str, replica: str) -> None:
    conn.execute("DELETE FROM open_streams WHERE call_id = ? AND replica = ?", (call_id, replica))


def renew(conn: Conn, replica: str, *, now_us: int, ttl_us: int) -> None:
    """Extend `replica`'s rows; drop every row that lapsed (a replica that died left them),
    so the table holds the streams open now and no more."""
    conn.execute("DELETE FROM open_streams WHERE expires_us < ?", (now_us,))
    conn.execute(
        "UPDATE open_streams SET expires_us = ? WHERE replica = ?", (now_us + ttl_us, replica)
    )


def open_on(conn: Conn, call_id: str, *, now_us: int) -> list[str]:
    """The living replicas with a stream of the call open."""
    rows = conn.execute(
        "SELECT replica FROM open_streams WHERE call_id = ? AND expires_us >= ?",
        (call_id, now_us),
    ).fetchall()
    return [str(row[0]) for row in rows]
