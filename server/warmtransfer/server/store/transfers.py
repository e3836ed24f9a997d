"""Transfer records: one warm transfer at a time per call, each state change with its events.

Plain functions over a connection, run by the call store's writer, so a transfer's state, the
call's state and their events commit together. Every change is also
written to the receiving agent's own stream (`agent_events`, read by WatchAgent), so an agent
learns of an offer without knowing the call.
"""

from __future__ import annotations

import secrets
import time

from warmtransfer.server.errors import FailedPrecondition, NotFound
from warmtransfer.server.store.calls import (
    add_participant,
    call_event,
    participant_roles,
    require_call,
    set_call_state,
)
from warmtransfer.server.store.codec import timestamp_us
from warmtransfer.server.store.engine import Conn
from warmtransfer.server.store.events import append_event
from warmtransfer.server.transfer.states import ACTIVE_STATES, END_STATES, check_move
from warmtransfer.v1 import call_pb2, transcript_service_pb2, transfer_pb2, transfer_service_pb2

__all__ = [
    "TRANSFERS_KEY",
    "accept_transfer",
    "agent_events_after",
    "agent_key",
    "change_transfer",
    "first_open_offer_cursor",
    "new_transfer_id",
    "owned_transfers",
    "require_transfer",
    "start_transfer",
    "transfers_key",
]
CallState = call_pb2.CallState

_COLUMNS = (
    "transfer_id, call_id, state, from_identity, to_identity, reason, consult_room,"
    " created_us, updated_us, end_reason, accepted_us"
)


def agent_key(tenant_id: str, identity: str) -> str:
    """The key a commit notifies for an agent's stream (call ids never contain a space)."""
    return f"agent {tenant_id} {identity}"


TRANSFERS_KEY = "transfers "


def transfers_key(call_id: str) -> str:
    """The key a commit notifies when a call's transfer starts or changes: the replica that
    owns the call follows its transfer (see `TransferCoordinator.watch_owned`)."""
    return TRANSFERS_KEY + call_id


def new_transfer_id() -> str:
    return f"t_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


def consult_room_name(transfer_id: str) -> str:
    return f"consult-{transfer_id}"


def _from_row(row: tuple[object, ...]) -> transfer_pb2.Transfer:
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


def require_transfer(conn: Conn, tenant_id: str, transfer_id: str) -> transfer_pb2.Transfer:
    row = conn.execute(
        f"SELECT {_COLUMNS}, tenant_id FROM transfers WHERE transfer_id = ?", (transfer_id,)
    ).fetchone()
    if row is None or row[-1] != tenant_id:
        raise NotFound(f"transfer {transfer_id!r} not found", field="transfer_id")
    return _from_row(row[:-1])


def active_transfer(conn: Conn, call_id: str) -> transfer_pb2.Transfer | None:
    placeholders = ",".join("?" * len(ACTIVE_STATES))
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM transfers WHERE call_id = ? AND state IN ({placeholders})",
        (call_id, *ACTIVE_STATES),
    ).fetchone()
    return _from_row(row) if row else None


def insert_transfer(
    conn: Conn,
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


def accept_transfer(
    conn: Conn, tenant_id: str, transfer_id: str, *, at_us: int
) -> tuple[transfer_pb2.Transfer, bool]:
    """Mark the offer accepted (once; later calls change nothing), told to the agent's stream
    and the call's watchers; return the transfer and whether this call accepted it. Only an
    offer still CONSULTING can be accepted."""
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
    append_event(conn, after.call_id, transfer_event(after, after.state), at_us)
    return after, True


def append_agent_event(
    conn: Conn,
    tenant_id: str,
    transfer: transfer_pb2.Transfer,
    previous: int,
    at_us: int,
) -> None:
    """Record a change of `transfer` in its receiving agent's stream."""
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
    conn: Conn, tenant_id: str, identity: str, after_event_id: int, limit: int
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


def first_open_offer_cursor(conn: Conn, tenant_id: str, identity: str) -> int:
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


def start_transfer(
    conn: Conn,
    tenant_id: str,
    call_id: str,
    *,
    transfer_id: str,
    from_identity: str,
    to_identity: str,
    reason: str,
    at_us: int,
) -> tuple[transfer_pb2.Transfer, call_pb2.Call]:
    """Record a new transfer (CONSULTING) and put the call in TRANSFERRING, atomically.

    The transferring agent must hold an agent token for the call; the receiving agent is
    registered as an agent of the call (identities stay unique per call).
    """
    call = require_call(conn, tenant_id, call_id)
    if call.state != CallState.CALL_STATE_ACTIVE:
        raise FailedPrecondition(
            f"call {call_id!r} is {CallState.Name(call.state)}; only an active call "
            "can be transferred",
            field="call_id",
        )
    roles = participant_roles(conn, call_id, from_identity, to_identity)
    agent = call_pb2.PARTICIPANT_ROLE_AGENT
    if roles.get(from_identity) != agent:
        raise FailedPrecondition(
            f"from_identity: {from_identity!r} is not an agent of call {call_id!r}",
            field="from_identity",
        )
    if roles.get(to_identity, agent) != agent:
        raise FailedPrecondition(
            f"to_identity: {to_identity!r} already takes part in call {call_id!r} in another role",
            field="to_identity",
        )
    transfer = insert_transfer(
        conn,
        tenant_id=tenant_id,
        transfer_id=transfer_id,
        call_id=call_id,
        from_identity=from_identity,
        to_identity=to_identity,
        reason=reason,
        at_us=at_us,
    )
    add_participant(conn, call_id, to_identity, agent, at_us)
    now = set_call_state(conn, tenant_id, call_id, CallState.CALL_STATE_TRANSFERRING)
    append_event(conn, call_id, transfer_event(transfer, 0), at_us)
    append_event(conn, call_id, call_event(now, call.state), at_us)
    return transfer, now


def change_transfer(
    conn: Conn,
    tenant_id: str,
    transfer_id: str,
    *,
    state: int,
    end_reason: str,
    at_us: int,
) -> transfer_pb2.Transfer:
    """Move a transfer to `state` if the table of moves allows it from where it is, told to the
    agent's stream and the call's watchers; when it ends, the call is active again (unless it
    ended)."""
    before = require_transfer(conn, tenant_id, transfer_id)
    check_move(transfer_id, before.state, state)
    conn.execute(
        "UPDATE transfers SET state = ?, updated_us = ?, end_reason = ? WHERE transfer_id = ?",
        (state, at_us, end_reason, transfer_id),
    )
    transfer = require_transfer(conn, tenant_id, transfer_id)
    append_agent_event(conn, tenant_id, transfer, before.state, at_us)
    call_id = transfer.call_id
    append_event(conn, call_id, transfer_event(transfer, before.state), at_us)
    if state in END_STATES:
        call = require_call(conn, tenant_id, call_id)
        if call.state == CallState.CALL_STATE_TRANSFERRING:
            now = set_call_state(conn, tenant_id, call_id, CallState.CALL_STATE_ACTIVE)
            append_event(conn, call_id, call_event(now, call.state), at_us)
    return transfer


def owned_transfers(
    conn: Conn, replica: str, *, now_us: int
) -> list[tuple[str, transfer_pb2.Transfer, bool]]:
    """(tenant_id, transfer, whether a caller was let into the call) of every transfer under
    way in a call `replica` owns."""
    marks = ", ".join("?" * len(ACTIVE_STATES))
    rows = conn.execute(
        f"SELECT t.tenant_id, t.transfer_id, EXISTS (SELECT 1 FROM participants p"
        f" WHERE p.call_id = t.call_id AND p.role = ?)"
        f" FROM call_owners o JOIN transfers t ON t.call_id = o.call_id"
        f" WHERE o.owner = ? AND o.expires_us >= ? AND t.state IN ({marks})",
        (call_pb2.PARTICIPANT_ROLE_CALLER, replica, now_us, *ACTIVE_STATES),
    ).fetchall()
    return [(str(r[0]), require_transfer(conn, str(r[0]), str(r[1])), bool(r[2])) for r in rows]
