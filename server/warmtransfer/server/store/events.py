"""A call's events (WatchCall): each gets its cursor in the transaction of the change it tells.

The cursor is the row's increasing id. Every write that appends a call's events holds the call's
key (see `engine`), so the events of one call commit in cursor order on every engine: a watcher
that reads after its cursor never skips one committed later with a lower id.
"""

from __future__ import annotations

from warmtransfer.server.store.codec import timestamp_us
from warmtransfer.server.store.engine import Conn
from warmtransfer.v1 import transcript_service_pb2

__all__ = ["append_event", "events_after", "last_event_id"]

WatchCallResponse = transcript_service_pb2.WatchCallResponse


def append_event(conn: Conn, call_id: str, event: WatchCallResponse, at_us: int) -> None:
    event.call_id = call_id
    event.event_time.CopyFrom(timestamp_us(at_us))
    conn.execute(
        "INSERT INTO events (call_id, payload) VALUES (?, ?)", (call_id, event.SerializeToString())
    )


def events_after(
    conn: Conn, call_id: str, after_event_id: int, limit: int
) -> list[WatchCallResponse]:
    """Stored events of the call after a cursor, oldest first, each with its cursor set."""
    rows = conn.execute(
        "SELECT event_id, payload FROM events WHERE call_id = ? AND event_id > ?"
        " ORDER BY event_id LIMIT ?",
        (call_id, after_event_id, limit),
    ).fetchall()
    events = []
    for event_id, payload in rows:
        event = WatchCallResponse.FromString(payload)
        event.cursor = str(event_id)
        events.append(event)
    return events


def last_event_id(conn: Conn, call_id: str) -> int:
    row = conn.execute("SELECT MAX(event_id) FROM events WHERE call_id = ?", (call_id,)).fetchone()
    return int(row[0] or 0)
