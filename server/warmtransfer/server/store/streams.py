"""Which replicas have a call's transcriber stream open, and which replicas are alive.

The media worker keeps one `StreamTranscript` stream open per call, to whichever replica its
connection reached (and that one forwards it to the call's owner). EndCall, on any replica,
waits for that stream to end so the final summary has the caller's last words; these rows tell
it there is one to wait for, and when it has ended.

A row per open stream (call, replica), written when the stream opens and removed when it ends,
and one lease per replica, renewed with its call leases (`owners.renew`): a stream counts while
its replica's lease lives, so the streams of a replica that died lapse with it, and the next
renewal by any replica clears them away. A round renews one row, whatever the number of streams.
"""

from __future__ import annotations

from warmtransfer.server.store.engine import Conn

__all__ = ["closed", "open_on", "opened", "renew"]


def opened(conn: Conn, call_id: str, replica: str, *, now_us: int, ttl_us: int) -> None:
    """`replica` has a stream of the call open (and lives, for `ttl_us` unless renewed)."""
    _lease(conn, replica, now_us=now_us, ttl_us=ttl_us)
    conn.execute(
        "INSERT INTO open_streams (call_id, replica) VALUES (?, ?)"
        " ON CONFLICT (call_id, replica) DO NOTHING",
        (call_id, replica),
    )


def closed(conn: Conn, call_id: str, replica: str) -> None:
    conn.execute("DELETE FROM open_streams WHERE call_id = ? AND replica = ?", (call_id, replica))


def renew(conn: Conn, replica: str, *, now_us: int, ttl_us: int) -> None:
    """Extend `replica`'s lease; clear the streams of replicas whose lease lapsed."""
    _lease(conn, replica, now_us=now_us, ttl_us=ttl_us)
    lapsed = "SELECT replica FROM replica_leases WHERE expires_us < ?"
    conn.execute(f"DELETE FROM open_streams WHERE replica IN ({lapsed})", (now_us,))
    conn.execute("DELETE FROM replica_leases WHERE expires_us < ?", (now_us,))


def open_on(conn: Conn, call_id: str, *, now_us: int) -> list[str]:
    """The living replicas with a stream of the call open."""
    rows = conn.execute(
        "SELECT s.replica FROM open_streams s JOIN replica_leases r ON r.replica = s.replica"
        " WHERE s.call_id = ? AND r.expires_us >= ?",
        (call_id, now_us),
    ).fetchall()
    return [str(row[0]) for row in rows]


def _lease(conn: Conn, replica: str, *, now_us: int, ttl_us: int) -> None:
    conn.execute(
        "INSERT INTO replica_leases (replica, expires_us) VALUES (?, ?)"
        " ON CONFLICT (replica) DO UPDATE SET expires_us = excluded.expires_us",
        (replica, now_us + ttl_us),
    )
