"""The briefing a receiving agent hears: the precomputed summary, then what was said since."""

from __future__ import annotations

import re
from collections.abc import Sequence

from warmtransfer.pipeline.summary.offline_rules import spoken_tag
from warmtransfer.v1 import summary_pb2, transcript_pb2

__all__ = ["spoken_briefing"]

_TAG = re.compile(r"<[A-Z][A-Z0-9_]*>")
_WHO = {
    transcript_pb2.SPEAKER_ROLE_CALLER: "the caller",
    transcript_pb2.SPEAKER_ROLE_AGENT: "the agent",
}
RECENT = 3
NOTHING_YET = "Nothing has been transcribed on this call yet."


def _speakable(text: str) -> str:
    return _TAG.sub(lambda m: spoken_tag(m.group(0)), text).strip()


def spoken_briefing(
    summary: summary_pb2.CallSummary,
    pending: Sequence[transcript_pb2.TranscriptSegment],
    *,
    reason: str = "",
) -> str:
    """Text for TTS: urgency first when high, why A transfers, the summary's briefing, the
    last few newer lines; when there are neither, that nothing is transcribed yet."""
    parts = ["This call is urgent."] if summary.urgency == summary_pb2.URGENCY_HIGH else []
    if reason.strip():
        parts.append(f"Transfer reason: {_speakable(reason)}.")
    if summary.briefing:
        parts.append(_speakable(summary.briefing))
    recent = [s for s in pending if s.text.strip()][-RECENT:]
    if recent:
        said = " ".join(
            f"{_WHO.get(s.speaker_role, 'someone').capitalize()} said: {_speakable(s.text)}"
            for s in recent
        )
        parts.append(("Most recently: " if summary.briefing else "") + said)
    if not summary.briefing and not recent:
        parts.append(NOTHING_YET)
    return " ".join(parts)
