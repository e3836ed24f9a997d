"""Transfer records: one warm transfer at a time per call, each state change with its events.

Kept beside the call store (same SQLite file, same writer) as plain functions over a connection,
so a transfer's state, the call's state and their events commit together. Every change is also
written to the receiving agent's own stream (`agent_events`, read by WatchAgent), so an agent
learns of an offer without knowing the call.
"""

from __future__ import annotations

import secrets
import sqlite3
import time

from warmtransfer.server.errors import FailedPrecondition, NotFound
from warmtransfer.v1 import call_pb2, transcript_service_pb2, transfer_pb2, transfer_service_pb2

__all__ = ["ACTIVE_STATES", "END_STATES", "agent_key", "new_transfer_id"]

TransferState = transfer_pb2.TransferState
ACTIVE_STATES = (transfer_pb2.TRANSFER_STATE_CONSULTING, transfer_pb2.TRANSFER_STATE_COMPLETING)
END_STATES = (
    transfer_pb2.TRANSFER_STATE_COMPLETED,
    transfer_pb2.TRANSFER_STATE_CANCELLED,
    transfer_pb2.TRANSFER_STATE_FAILED,
    transfer_pb2.TRANSFER_STATE_DECLINED,
)
_COLUMNS = (
    "transfer_id, call_id, state, from_identity, to_identity, reason, consult_room,"
    " created_us, updated_us, end_reason, accepted_us"
)


def agent_key(tenant_id: str, identity: str) -> str:
    """The key a commit notifies for an agent's stream (call ids never contain a space)."""
    return f"agent {tenant_id} {identity}"


def new_transfer_id() -> str:
    return f"t_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


def consult_room_name(transfer_id: str) -> str:
    return f"consult-{transfer_id}"


def _from_row(row: tuple[object, ...]) -> transfer_pb2.Transfer:
    from warmtransfer.server.store.call_store import timestamp_us

    tid, call_id, state, src, dst, reason, room, created, updated, end_reason, accepted = row
    transfer = transfer_pb2.Transfer(
        transfer_id=str(tid),
        call_id=str(call_id),
        state=int(state),  # type: ignore[call-overload]
        from_identity=str(src),
        to_identity=str(dst),
        reason=str(reason),
        consult_room_name=str(room),
        end_reason=str(end_reason),
    )
    transfer.created_at.CopyFrom(timestamp_us(int(created)))  # type: ignore[call-overload]
    transfer.updated_at.CopyFrom(timestamp_us(int(updated)))  # type: ignore[call-overload]
    if accepted is not None:
        transfer.accepted_at.CopyFrom(timestamp_us(int(accepted)))  # type: ignore[call-overload]
    return transfer


def require_transfer(
    conn: sqlite3.Connection, tenant_id: str, transfer_id: str
) -> transfer_pb2.Transfer:
    row = conn.execute(
        f"SELECT {_COLUMNS}, tenant_id FROM transfers WHERE transfer_id = ?", (transfer_id,)
    ).fetchone()
    if row is None or row[-1] != tenant_id:
        raise NotFound(f"transfer {transfer_id!r} not found", field="transfer_id")
    return _from_row(row[:-1])


def active_transfer(conn: sqlite3.Connection, call_id: str) -> transfer_pb2.Transfer | None:
    placeholders = ",".join("?" * len(ACTIVE_STATES))
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM transfers WHERE call_id = ? AND state IN ({placeholders})",
        (call_id, *ACTIVE_STATES),
    ).fetchone()
    return _from_row(row) if row else None


def insert_transfer(
    conn: sqlite3.Connection,
    *,
    tenant_id: str,
    transfer_id: str,
    call_id: str,
    from_identity: str,
    to_identity: str,
    reason: str,
    at_us: int,
) -> transfer_pb2.Transfer:
    running = active_transfer(conn, call_id)
    if running is not None:
        raise FailedPrecondition(
            f"call {call_id!r} already has transfer {running.transfer_id!r} under way",
            field="call_id",
        )
    conn.execute(
        f"INSERT INTO transfers ({_COLUMNS}, tenant_id) VALUES ({', '.join('?' * 12)})",
        (
            transfer_id,
            call_id,
            transfer_pb2.TRANSFER_STATE_CONSULTING,
            from_identity,
            to_identity,
            reason,
            consult_room_name(transfer_id),
            at_us,
            at_us,
            "",
            None,
            tenant_id,
        ),
    )
    transfer = require_transfer(conn, tenant_id, transfer_id)
    append_agent_event(conn, tenant_id, transfer, 0, at_us)
    return transfer


def update_transfer(
    conn: sqlite3.Connection,
    tenant_id: str,
    transfer_id: str,
    *,
    allowed_from: tuple[int, ...],
    state: int,
    end_reason: str,
    at_us: int,
) -> tuple[transfer_pb2.Transfer, int]:
    """Move a transfer to `state` if it is in one of `allowed_from`; return it and its old state."""
    before = require_transfer(conn, tenant_id, transfer_id)
    if before.state not in allowed_from:
        raise FailedPrecondition(
            f"transfer {transfer_id!r} is {transfer_pb2.TransferState.Name(before.state)}, "
            f"so it cannot become {transfer_pb2.TransferState.Name(state)}",
            field="transfer_id",
        )
    conn.execute(
        "UPDATE transfers SET state = ?, updated_us = ?, end_reason = ? WHERE transfer_id = ?",
        (state, at_us, end_reason, transfer_id),
    )
    after = require_transfer(conn, tenant_id, transfer_id)
    append_agent_event(conn, tenant_id, after, before.state, at_us)
    return after, before.state


def accept_transfer(
    conn: sqlite3.Connection, tenant_id: str, transfer_id: str, *, at_us: int
) -> tuple[transfer_pb2.Transfer, bool]:
    """Mark the offer accepted (once; later calls change nothing); return the transfer and
    whether this call accepted it. Only an offer still CONSULTING can be accepted."""
    before = require_transfer(conn, tenant_id, transfer_id)
    if before.state != transfer_pb2.TRANSFER_STATE_CONSULTING:
        raise FailedPrecondition(
            f"transfer {transfer_id!r} is {transfer_pb2.TransferState.Name(before.state)}, "
            "so it cannot be accepted",
            field="transfer_id",
        )
    if before.HasField("accepted_at"):
        return before, False
    conn.execute(
        "UPDATE transfers SET accepted_us = ?, updated_us = ? WHERE transfer_id = ?",
        (at_us, at_us, transfer_id),
    )
    after = require_transfer(conn, tenant_id, transfer_id)
    append_agent_event(conn, tenant_id, after, before.state, at_us)
    return after, True


def append_agent_event(
    conn: sqlite3.Connection,
    tenant_id: str,
    transfer: transfer_pb2.Transfer,
    previous: int,
    at_us: int,
) -> None:
    """Record a change of `transfer` in its receiving agent's stream."""
    from warmtransfer.server.store.call_store import timestamp_us

    event = transfer_service_pb2.WatchAgentResponse(
        transfer=transfer,
        previous_state=previous,  # type: ignore[arg-type]
    )
    event.event_time.CopyFrom(timestamp_us(at_us))  # type: ignore[call-overload]
    conn.execute(
        "INSERT INTO agent_events (tenant_id, identity, transfer_id, payload) VALUES (?, ?, ?, ?)",
        (tenant_id, transfer.to_identity, transfer.transfer_id, event.SerializeToString()),
    )


def agent_events_after(
    conn: sqlite3.Connection, tenant_id: str, identity: str, after_event_id: int, limit: int
) -> list[transfer_service_pb2.WatchAgentResponse]:
    """The agent's events after a cursor, oldest first, each with its cursor set."""
    rows = conn.execute(
        "SELECT event_id, payload FROM agent_events"
        " WHERE tenant_id = ? AND identity = ? AND event_id > ? ORDER BY event_id LIMIT ?",
        (tenant_id, identity, after_event_id, limit),
    ).fetchall()
    events = []
    for event_id, payload in rows:
        event = transfer_service_pb2.WatchAgentResponse.FromString(payload)
        event.cursor = str(event_id)
        events.append(event)
    return events


def first_open_offer_cursor(conn: sqlite3.Connection, tenant_id: str, identity: str) -> int:
    """The cursor just before the first event of the agent's offers still under way, or the
    agent's last cursor when none is (a new watcher starts there)."""
    placeholders = ",".join("?" * len(ACTIVE_STATES))
    row = conn.execute(
        "SELECT MIN(e.event_id) FROM agent_events e JOIN transfers t USING (transfer_id)"
        " WHERE e.tenant_id = ? AND e.identity = ?"
        f" AND t.state IN ({placeholders})",
        (tenant_id, identity, *ACTIVE_STATES),
    ).fetchone()
    if row[0] is not None:
        return int(row[0]) - 1
    row = conn.execute(
        "SELECT MAX(event_id) FROM agent_events WHERE tenant_id = ? AND identity = ?",
        (tenant_id, identity),
    ).fetchone()
    return int(row[0] or 0)


def transfer_event(
    transfer: transfer_pb2.Transfer, previous: int
) -> transcript_service_pb2.WatchCallResponse:
    return transcript_service_pb2.WatchCallResponse(
        transfer_state_changed=transcript_service_pb2.TransferStateChanged(
            transfer=transfer,
            previous_state=previous,  # type: ignore[arg-type]
        )
    )


def call_event(call: call_pb2.Call, previous: int) -> transcript_service_pb2.WatchCallResponse:
    return transcript_service_pb2.WatchCallResponse(
        call_state_changed=transcript_service_pb2.CallStateChanged(
            call=call,
            previous_state=previous,  # type: ignore[arg-type]
        )
    )
