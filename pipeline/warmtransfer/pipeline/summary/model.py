"""The summary engine's own types: what a summarizer reads and what it writes.

They carry no protobuf so that summarizers stay independent of the wire API; the server
converts at its edge.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


class Role(enum.StrEnum):
    """Who spoke a segment."""

    UNKNOWN = "unknown"
    CALLER = "caller"
    AGENT = "agent"
    SUPERVISOR = "supervisor"


class Sentiment(enum.StrEnum):
    """The caller's mood as a summarizer reads it."""

    UNSPECIFIED = "unspecified"
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class Urgency(enum.StrEnum):
    """How soon the case needs action, as a summarizer reads it."""

    UNSPECIFIED = "unspecified"
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class SummarizerError(Exception):
    """A summarizer could not produce a summary (timeout, refused request, unusable answer)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One final, redacted utterance of a call."""

    seq: int
    role: Role
    text: str
    speaker_identity: str = ""
    start_s: float = 0.0
    end_s: float = 0.0
    on_hold: bool = False


BRIEFING_MAX_WORDS = 80
"""The briefing's length, whoever writes it: about 30 seconds spoken, what B hears on joining."""


@dataclass(frozen=True, slots=True)
class Summary:
    """A rolling summary of a call, as of `covered_through_seq`.

    `state` is the summarizer's private memory (opaque bytes, e.g. JSON) that lets it continue
    incrementally from this summary after a restart; the store keeps it beside the summary.
    """

    reason: str = ""
    facts: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = ()
    sentiment: Sentiment = Sentiment.UNSPECIFIED
    urgency: Urgency = Urgency.UNSPECIFIED
    briefing: str = ""
    covered_through_seq: int = 0
    summarizer: str = ""
    final: bool = False  # written after the call ended, from the whole call
    state: bytes = field(default=b"", repr=False)


class Summarizer(Protocol):
    """Turns the previous summary plus the segments said since into a new summary.

    Implementations must be incremental: they read `previous` (with its `state`) and only
    `new_segments`, never the whole call again, so the cost of an update does not grow with the
    length of the call. `new_segments` is non-empty, in seq order, all with a seq above
    `previous.covered_through_seq`. The result's `covered_through_seq` is the last new seq.
    """

    name: str

    async def update(self, previous: Summary | None, new_segments: Sequence[Segment]) -> Summary:
        """Return the summary that covers `previous` and `new_segments`."""
        ...
