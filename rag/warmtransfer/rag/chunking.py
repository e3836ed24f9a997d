"""Chunks of a call for retrieval: speaker turns, cut at a time window.

A chunk is one speaker's consecutive segments (a turn), cut when it grows past `MAX_SPAN_MS` of
speech or `MAX_WORDS` words, so a long monologue becomes several chunks and each chunk is one
moment of the call. Turns of fewer than `MIN_WORDS` words ("uh-huh", "okay") carry nothing to
find and are not indexed, but still end the turn before them.

A chunk is only cut once it is *settled*: its redaction can no longer change (a later segment of
the same speaker can complete an entity in the last `SETTLE_SAME_SPEAKER` segments of that
speaker, see `warmtransfer.rag.redaction.engine`) and no later segment can extend it. So the
chunks of a call are the same whenever they are cut, and their positions (`chunk_index`) give
stable point ids: indexing twice overwrites, never duplicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from warmtransfer.rag.redaction.engine import SETTLE_ANY, SETTLE_SAME_SPEAKER
from warmtransfer.rag.vector_store import Chunk

__all__ = [
    "MAX_SPAN_MS",
    "MAX_WORDS",
    "MIN_WORDS",
    "TurnSegment",
    "chunks_of",
    "cut_turns",
]

MAX_SPAN_MS = 30_000
MAX_WORDS = 120
MIN_WORDS = 3


@dataclass(frozen=True, slots=True)
class TurnSegment:
    """What chunking needs of a stored segment (redacted text)."""

    seq: int
    speaker_identity: str
    speaker_role: int
    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Turn:
    """A chunk-to-be: one speaker's consecutive segments."""

    segments: tuple[TurnSegment, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def words(self) -> int:
        return len(self.text.split())


def cut_turns(segments: Sequence[TurnSegment], *, call_ended: bool) -> tuple[list[Turn], int]:
    """The settled turns among `segments` (a call's segments in seq order, from the first not
    yet indexed) and the seq through which they are settled; turns too short to index are
    among them and are for the caller to skip."""
    settled_upto = _settled_count(segments, call_ended)
    turns: list[Turn] = []
    current: list[TurnSegment] = []
    consumed = 0
    for i, segment in enumerate(segments):
        if current and _ends_turn(current, segment):
            if i > settled_upto:
                break
            turns.append(Turn(tuple(current)))
            consumed = i
            current = []
        current.append(segment)
    if current and call_ended and settled_upto == len(segments):
        turns.append(Turn(tuple(current)))
        consumed = len(segments)
    through = segments[consumed - 1].seq if consumed else 0
    return turns, through


def chunks_of(
    turns: Sequence[Turn],
    *,
    tenant_id: str,
    call_id: str,
    customer_id: str,
    call_started_at_us: int,
    first_index: int,
) -> list[Chunk]:
    """The chunks of a call's turns, numbered from `first_index`; turns too short to find are
    left out."""
    return [
        Chunk(
            tenant_id=tenant_id,
            call_id=call_id,
            customer_id=customer_id,
            chunk_index=first_index + i,
            speaker_role=turn.segments[0].speaker_role,
            speaker_identity=turn.segments[0].speaker_identity,
            text=turn.text,
            start_offset_ms=turn.segments[0].start_ms,
            end_offset_ms=turn.segments[-1].end_ms,
            call_started_at_us=call_started_at_us,
            first_seq=turn.segments[0].seq,
            last_seq=turn.segments[-1].seq,
        )
        for i, turn in enumerate(t for t in turns if t.words >= MIN_WORDS)
    ]


def _ends_turn(current: list[TurnSegment], nxt: TurnSegment) -> bool:
    if nxt.speaker_identity != current[0].speaker_identity:
        return True
    span = nxt.end_ms - current[0].start_ms
    words = sum(len(s.text.split()) for s in current) + len(nxt.text.split())
    return span > MAX_SPAN_MS or words > MAX_WORDS


def _settled_count(segments: Sequence[TurnSegment], call_ended: bool) -> int:
    """How many leading segments can no longer be re-redacted."""
    if call_ended:
        return len(segments)
    n = len(segments)
    for i, segment in enumerate(segments):
        later = segments[i + 1 :]
        same = sum(1 for s in later if s.speaker_identity == segment.speaker_identity)
        if same < SETTLE_SAME_SPEAKER and len(later) < SETTLE_ANY:
            return i
    return n
