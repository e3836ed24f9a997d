"""A call's final transcript segments: stored once each, in seq order, redacted and original.

The redacted text may be revised after it is stored (a name recognised in a later segment);
each revision is an event of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from warmtransfer.server.errors import InvalidArgument, NotFound, ResourceExhausted
from warmtransfer.server.store.codec import duration_us
from warmtransfer.server.store.engine import Conn
from warmtransfer.server.store.events import append_event
from warmtransfer.v1 import transcript_pb2, transcript_service_pb2

__all__ = ["AppendResult", "append_segment", "read_segments"]

WatchCallResponse = transcript_service_pb2.WatchCallResponse


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What became of one final segment."""

    seq: int
    duplicate: bool


def append_segment(
    conn: Conn,
    tenant_id: str,
    call_id: str,
    segment: transcript_pb2.TranscriptSegment,
    redacted: str,
    *,
    keep_original: bool,
    revisions: Sequence[tuple[int, str]],
    limit: int,
    at_us: int,
    settled_through: int | None = None,
) -> AppendResult:
    """Store one final segment (idempotent on seq) with its SegmentAdded event, and the
    revised redactions of earlier segments it completes, unless its seq is a duplicate.

    `settled_through` is how far the redactor can no longer revise the call (None: all of it,
    this segment included); the call's mark only moves forward, whichever replica reports it.
    """
    seq = segment.seq
    row = conn.execute(
        "SELECT tenant_id, max_seq, final_segment_count FROM calls WHERE call_id = ?", (call_id,)
    ).fetchone()
    if row is None or row[0] != tenant_id:
        raise NotFound(f"call {call_id!r} not found", field="config.call_id")
    if conn.execute(
        "SELECT 1 FROM segments WHERE call_id = ? AND seq = ?", (call_id, seq)
    ).fetchone():
        return AppendResult(seq, duplicate=True)
    max_seq, count = row[1], row[2]
    if seq < max_seq:
        raise InvalidArgument(
            "segment.seq",
            f"{seq} is lower than {max_seq}, the highest seq stored for call {call_id!r}; "
            "new seqs must increase (re-sends of stored seqs are fine)",
        )
    if count >= limit:
        raise ResourceExhausted(
            f"call {call_id!r} already has {count} segments, the limit per call", field="segment"
        )
    conn.execute(
        "INSERT INTO segments (call_id, seq, speaker_identity, speaker_role, text_raw,"
        " text_redacted, start_us, end_us, on_hold, stored_us)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            call_id,
            seq,
            segment.speaker_identity,
            segment.speaker_role,
            segment.text if keep_original else "",
            redacted,
            duration_us(segment.start_offset),
            duration_us(segment.end_offset),
            int(segment.on_hold),
            at_us,
        ),
    )
    settled = seq if settled_through is None else settled_through
    conn.execute(
        "UPDATE calls SET max_seq = ?, final_segment_count = final_segment_count + 1,"
        " settled_through_seq = CASE WHEN ? > settled_through_seq THEN ?"
        " ELSE settled_through_seq END WHERE call_id = ?",
        (seq, settled, settled, call_id),
    )
    shown = transcript_pb2.TranscriptSegment()
    shown.CopyFrom(segment)
    shown.text = redacted
    shown.is_final = True
    event = WatchCallResponse(segment_added=transcript_service_pb2.SegmentAdded(segment=shown))
    append_event(conn, call_id, event, at_us)
    for earlier_seq, text in revisions:
        _revise_redaction(conn, call_id, earlier_seq, text, at_us)
    return AppendResult(seq, duplicate=False)


def _revise_redaction(conn: Conn, call_id: str, seq: int, text: str, at_us: int) -> None:
    """Replace the redacted text of stored segment `seq`, with a SegmentRedacted event."""
    cursor = conn.execute(
        "UPDATE segments SET text_redacted = ?"
        " WHERE call_id = ? AND seq = ? AND text_redacted != ?",
        (text, call_id, seq, text),
    )
    if cursor.rowcount == 0:
        return  # not stored (it failed and will be re-sent), or unchanged
    (segment,) = read_segments(conn, call_id, seq - 1, 1, raw=False)
    event = WatchCallResponse(
        segment_redacted=transcript_service_pb2.SegmentRedacted(segment=segment)
    )
    append_event(conn, call_id, event, at_us)


def read_segments(
    conn: Conn, call_id: str, after_seq: int, limit: int, *, raw: bool, settled: bool = False
) -> list[transcript_pb2.TranscriptSegment]:
    """Final segments with a seq above `after_seq`, in seq order, redacted unless `raw`; with
    `settled`, only those no later segment can revise (see `append_segment`)."""
    column = "text_raw" if raw else "text_redacted"
    mark = " AND seq <= (SELECT settled_through_seq FROM calls WHERE call_id = ?)"
    rows = conn.execute(
        f"SELECT seq, speaker_identity, speaker_role, {column}, start_us, end_us, on_hold"
        f" FROM segments WHERE call_id = ? AND seq > ?{mark if settled else ''}"
        " ORDER BY seq LIMIT ?",
        (call_id, after_seq, call_id, limit) if settled else (call_id, after_seq, limit),
    ).fetchall()
    out = []
    for seq, identity, role, text, start, end, on_hold in rows:
        segment = transcript_pb2.TranscriptSegment(
            seq=seq,
            speaker_identity=identity,
            speaker_role=role,
            text=text,
            is_final=True,
            on_hold=bool(on_hold),
        )
        segment.start_offset.FromMicroseconds(start)
        segment.end_offset.FromMicroseconds(end)
        out.append(segment)
    return out
