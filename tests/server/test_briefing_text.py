"""The text the receiving agent hears: urgency first when high, the transfer reason, the
summary's briefing, and the newest lines it has not read, with tags spoken."""

from __future__ import annotations

from warmtransfer.server.briefing import spoken_briefing
from warmtransfer.v1 import summary_pb2, transcript_pb2


def test_the_briefing_text() -> None:
    summary = summary_pb2.CallSummary(
        briefing="The caller does not recognize a debit card charge.",
        urgency=summary_pb2.URGENCY_HIGH,
    )
    pending = [
        transcript_pb2.TranscriptSegment(
            text="my card ends in <CREDIT_CARD_NUMBER>",
            speaker_role=transcript_pb2.SPEAKER_ROLE_CALLER,
        )
    ]
    text = spoken_briefing(summary, pending, reason="fraud team")
    assert text.startswith("This call is urgent. Transfer reason: fraud team.")
    assert "does not recognize a debit card charge" in text
    assert "Most recently: The caller said: my card ends in" in text
    assert "<" not in text
    summary.urgency = summary_pb2.URGENCY_NORMAL
    assert not spoken_briefing(summary, []).startswith("This call is urgent")
    assert spoken_briefing(summary_pb2.CallSummary(), []) == (
        "Nothing has been transcribed on this call yet."
    )
