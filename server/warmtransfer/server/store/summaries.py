"""Each call's latest rolling summary, with the summarizer's private state, and its versions."""

from __future__ import annotations

from dataclasses import dataclass

from warmtransfer.server.errors import FailedPrecondition
from warmtransfer.server.store.codec import timestamp_us
from warmtransfer.server.store.engine import Conn
from warmtransfer.server.store.events import append_event
from warmtransfer.server.store.owners import check_epoch
from warmtransfer.v1 import summary_pb2, transcript_service_pb2

__all__ = [
    "StoredSummary",
    "read_summary",
    "save_summary",
]


@dataclass(frozen=True, slots=True)
class StoredSummary:
    """A call's latest summary with the summarizer's private state."""

    summary: summary_pb2.CallSummary
    state: bytes


def read_summary(conn: Conn, call_id: str) -> StoredSummary | None:
    row = conn.execute(
        "SELECT summary, state FROM summaries WHERE call_id = ?", (call_id,)
    ).fetchone()
    if row is None:
        return None
    return StoredSummary(summary_pb2.CallSummary.FromString(row[0]), bytes(row[1]))


def save_summary(
    conn: Conn,
    call_id: str,
    summary: summary_pb2.CallSummary,
    state: bytes,
    at_us: int,
    fence: tuple[str, int] | None = None,
) -> summary_pb2.CallSummary:
    """Store a newer summary and its SummaryUpdated event; a stale one is refused, and so is
    one made under a `fence` (replica, epoch) that no longer owns the call. Returns the summary
    as stored (with `version` and `updated_at` set)."""
    if fence is not None:
        check_epoch(conn, call_id, *fence)
    row = conn.execute(
        "SELECT covered_through_seq, version, final FROM summaries WHERE call_id = ?", (call_id,)
    ).fetchone()
    version = (row[1] if row else 0) + 1
    if row is not None and row[0] > summary.covered_through_seq:
        raise FailedPrecondition(
            f"summary of call {call_id!r} already covers seq {row[0]}", field="summary"
        )
    if row is not None and row[2] and not summary.final:
        raise FailedPrecondition(f"call {call_id!r} has its final summary", field="summary")
    stored = summary_pb2.CallSummary()
    stored.CopyFrom(summary)
    stored.version = version
    stored.updated_at.CopyFrom(timestamp_us(at_us))
    conn.execute(
        "INSERT INTO summaries (call_id, summary, state, covered_through_seq, version, final)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (call_id) DO UPDATE SET"
        " summary = excluded.summary, state = excluded.state,"
        " covered_through_seq = excluded.covered_through_seq, version = excluded.version,"
        " final = excluded.final",
        (
            call_id,
            stored.SerializeToString(),
            state,
            stored.covered_through_seq,
            version,
            int(stored.final),
        ),
    )
    event = transcript_service_pb2.WatchCallResponse(
        summary_updated=transcript_service_pb2.SummaryUpdated(summary=stored)
    )
    append_event(conn, call_id, event, at_us)
    return stored
