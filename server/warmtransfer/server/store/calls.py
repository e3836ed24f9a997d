"""Calls and their participants: the rows every other part of the store hangs off.

Every read and write is scoped to a tenant: another tenant's call is NOT_FOUND.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping

from warmtransfer.server.errors import FailedPrecondition, NotFound
from warmtransfer.server.store.codec import timestamp_us
from warmtransfer.server.store.engine import Conn
from warmtransfer.server.store.events import append_event
from warmtransfer.v1 import call_pb2, transcript_service_pb2

__all__ = [
    "CALL_COLUMNS",
    "add_participant",
    "call_event",
    "call_from_row",
    "change_call_state",
    "end_call",
    "insert_call",
    "list_calls",
    "new_call_id",
    "participant_roles",
    "previous_calls",
    "record_participant_event",
    "register_participant",
    "require_call",
    "room_name",
    "set_call_state",
    "settle",
]

CallState = call_pb2.CallState
WatchCallResponse = transcript_service_pb2.WatchCallResponse
CALL_COLUMNS = (
    "call_id, room_name, state, customer_id, metadata, final_segment_count, created_us, ended_us"
)


def new_call_id() -> str:
    """A time-ordered, unguessable call id."""
    return f"c_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


def room_name(call_id: str) -> str:
    """The LiveKit room that carries a call's audio."""
    return f"call-{call_id}"


def call_event(call: call_pb2.Call, previous: int) -> WatchCallResponse:
    return WatchCallResponse(
        call_state_changed=transcript_service_pb2.CallStateChanged(
            call=call,
            previous_state=previous,  # type: ignore[arg-type]
        )
    )


def call_from_row(row: tuple[object, ...]) -> call_pb2.Call:
    call_id, room, state, customer, meta, count, created, ended = row
    call = call_pb2.Call(
        call_id=str(call_id),
        room_name=str(room),
        state=int(state),  # type: ignore[call-overload]
        customer_id=str(customer),
        metadata=json.loads(str(meta)),
        final_segment_count=int(count),  # type: ignore[call-overload]
        created_at=timestamp_us(int(created)),  # type: ignore[call-overload]
    )
    if ended is not None:
        call.ended_at.CopyFrom(timestamp_us(int(ended)))  # type: ignore[call-overload]
    return call


def require_call(conn: Conn, tenant_id: str, call_id: str) -> call_pb2.Call:
    row = conn.execute(
        f"SELECT {CALL_COLUMNS}, tenant_id FROM calls WHERE call_id = ?", (call_id,)
    ).fetchone()
    if row is None or row[-1] != tenant_id:
        raise NotFound(f"call {call_id!r} not found", field="call_id")
    return call_from_row(row[:-1])


def set_call_state(conn: Conn, tenant_id: str, call_id: str, state: int) -> call_pb2.Call:
    conn.execute("UPDATE calls SET state = ? WHERE call_id = ?", (state, call_id))
    return require_call(conn, tenant_id, call_id)


def insert_call(
    conn: Conn,
    tenant_id: str,
    call_id: str,
    customer_id: str,
    metadata: Mapping[str, str],
    at_us: int,
) -> call_pb2.Call:
    conn.execute(
        "INSERT INTO calls (call_id, tenant_id, room_name, customer_id, metadata, state,"
        " created_us) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            call_id,
            tenant_id,
            room_name(call_id),
            customer_id,
            json.dumps(dict(metadata), sort_keys=True),
            CallState.CALL_STATE_ACTIVE,
            at_us,
        ),
    )
    call = require_call(conn, tenant_id, call_id)
    append_event(conn, call_id, call_event(call, CallState.CALL_STATE_UNSPECIFIED), at_us)
    return call


def list_calls(
    conn: Conn,
    tenant_id: str,
    *,
    page_size: int,
    after: tuple[int, str] | None,
    state: int,
    customer_id: str,
) -> tuple[list[call_pb2.Call], tuple[int, str] | None]:
    """A page of calls, newest first, after the (created_us, call_id) position `after`."""
    sql = f"SELECT {CALL_COLUMNS} FROM calls WHERE tenant_id = ?"
    args: list[object] = [tenant_id]
    if state:
        sql += " AND state = ?"
        args.append(state)
    if customer_id:
        sql += " AND customer_id = ?"
        args.append(customer_id)
    if after is not None:
        sql += " AND (created_us, call_id) < (?, ?)"
        args.extend(after)
    sql += " ORDER BY created_us DESC, call_id DESC LIMIT ?"
    args.append(page_size + 1)
    rows = conn.execute(sql, args).fetchall()
    calls = [call_from_row(row) for row in rows[:page_size]]
    more = len(rows) > page_size
    last = rows[page_size - 1] if more else None
    return calls, ((last[6], last[0]) if last is not None else None)


def previous_calls(
    conn: Conn, tenant_id: str, customer_id: str, *, before_call_id: str, limit: int
) -> list[call_pb2.Call]:
    """The customer's calls created before `before_call_id`, newest first."""
    current = require_call(conn, tenant_id, before_call_id)
    rows = conn.execute(
        f"SELECT {CALL_COLUMNS} FROM calls WHERE tenant_id = ? AND customer_id = ?"
        " AND call_id != ? AND created_us <= ? ORDER BY created_us DESC LIMIT ?",
        (tenant_id, customer_id, before_call_id, current.created_at.ToMicroseconds(), limit),
    ).fetchall()
    return [call_from_row(r) for r in rows]


def end_call(conn: Conn, tenant_id: str, call_id: str, at_us: int) -> tuple[call_pb2.Call, bool]:
    """Mark the call ended; return it and whether it changed (False if already ended)."""
    call = require_call(conn, tenant_id, call_id)
    if call.state == CallState.CALL_STATE_ENDED:
        return call, False
    # Nothing said from now on revises what was said before: all of it is settled.
    conn.execute(
        "UPDATE calls SET state = ?, ended_us = ?, settled_through_seq = max_seq WHERE call_id = ?",
        (CallState.CALL_STATE_ENDED, at_us, call_id),
    )
    now = require_call(conn, tenant_id, call_id)
    append_event(conn, call_id, call_event(now, call.state), at_us)
    return now, True


def settle(conn: Conn, tenant_id: str, call_id: str) -> None:
    """Mark the whole stored transcript settled: nothing can revise it any more."""
    require_call(conn, tenant_id, call_id)
    conn.execute("UPDATE calls SET settled_through_seq = max_seq WHERE call_id = ?", (call_id,))


def change_call_state(
    conn: Conn,
    tenant_id: str,
    call_id: str,
    *,
    allowed_from: tuple[int, ...],
    state: int,
    at_us: int,
) -> call_pb2.Call:
    """Move a call between live states (hold, resume), with its event."""
    call = require_call(conn, tenant_id, call_id)
    if call.state not in allowed_from:
        raise FailedPrecondition(
            f"call {call_id!r} is {CallState.Name(call.state)}, so it cannot become "
            f"{CallState.Name(state)}",
            field="call_id",
        )
    now = set_call_state(conn, tenant_id, call_id, state)
    append_event(conn, call_id, call_event(now, call.state), at_us)
    return now


def participant_roles(conn: Conn, call_id: str, *identities: str) -> dict[str, int]:
    """The roles of those of `identities` registered in the call."""
    marks = ", ".join("?" * len(identities))
    rows = conn.execute(
        f"SELECT identity, role FROM participants WHERE call_id = ? AND identity IN ({marks})",
        (call_id, *identities),
    ).fetchall()
    return {str(identity): int(role) for identity, role in rows}


def add_participant(conn: Conn, call_id: str, identity: str, role: int, at_us: int) -> None:
    """Register `identity` in the call unless it already is."""
    conn.execute(
        "INSERT INTO participants (call_id, identity, role, issued_us) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (call_id, identity, role, at_us),
    )


def register_participant(
    conn: Conn, tenant_id: str, call_id: str, identity: str, role: int, at_us: int
) -> call_pb2.Call:
    """Record that `identity` joins the live call as `role`; identities are unique per call.

    Asking again for the same identity and role is fine (a reconnect); another role is not.
    """
    call = require_call(conn, tenant_id, call_id)
    if call.state == CallState.CALL_STATE_ENDED:
        raise FailedPrecondition(f"call {call_id!r} has ended", field="call_id")
    taken = participant_roles(conn, call_id, identity).get(identity)
    if taken is not None and taken != role:
        raise FailedPrecondition(
            f"identity {identity!r} is already a {call_pb2.ParticipantRole.Name(taken)} "  # type: ignore[arg-type]
            f"in call {call_id!r}; identities are unique per call",
            field="identity",
        )
    if taken is None:
        add_participant(conn, call_id, identity, role, at_us)
    return call


def record_participant_event(
    conn: Conn, tenant_id: str, call_id: str, identity: str, kind: int, at_us: int
) -> call_pb2.Participant:
    """Record that `identity` joined or left the call's room, with its ParticipantChanged
    event; the participant's role is the one its token was issued for (if any)."""
    require_call(conn, tenant_id, call_id)
    role = participant_roles(conn, call_id, identity).get(identity, 0)
    participant = call_pb2.Participant(identity=identity, role=role)  # type: ignore[arg-type]
    if kind == call_pb2.PARTICIPANT_EVENT_KIND_JOINED:
        participant.joined_at.CopyFrom(timestamp_us(at_us))
    event = WatchCallResponse(
        participant_changed=transcript_service_pb2.ParticipantChanged(
            participant=participant,
            kind=kind,  # type: ignore[arg-type]
        )
    )
    append_event(conn, call_id, event, at_us)
    return participant
