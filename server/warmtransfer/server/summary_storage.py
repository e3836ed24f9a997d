"""Adapts the call store to the summary engine: protobuf in the store, plain types in pipeline/."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Set
from typing import NamedTuple

from warmtransfer.pipeline.summary.model import Role, Segment, Sentiment, Summary, Urgency
from warmtransfer.server.errors import FailedPrecondition
from warmtransfer.server.store import CallStore
from warmtransfer.v1 import summary_pb2, transcript_pb2

__all__ = [
    "CallRef",
    "StoreSummaryStorage",
    "summary_from_proto",
    "summary_to_proto",
]

log = logging.getLogger(__name__)

_ROLE = {
    transcript_pb2.SPEAKER_ROLE_CALLER: Role.CALLER,
    transcript_pb2.SPEAKER_ROLE_AGENT: Role.AGENT,
    transcript_pb2.SPEAKER_ROLE_SUPERVISOR: Role.SUPERVISOR,
}
_SENTIMENT = {
    Sentiment.UNSPECIFIED: summary_pb2.SENTIMENT_UNSPECIFIED,
    Sentiment.POSITIVE: summary_pb2.SENTIMENT_POSITIVE,
    Sentiment.NEUTRAL: summary_pb2.SENTIMENT_NEUTRAL,
    Sentiment.NEGATIVE: summary_pb2.SENTIMENT_NEGATIVE,
}
_SENTIMENT_BACK = {v: k for k, v in _SENTIMENT.items()}
_URGENCY = {
    Urgency.UNSPECIFIED: summary_pb2.URGENCY_UNSPECIFIED,
    Urgency.LOW: summary_pb2.URGENCY_LOW,
    Urgency.NORMAL: summary_pb2.URGENCY_NORMAL,
    Urgency.HIGH: summary_pb2.URGENCY_HIGH,
}
_URGENCY_BACK = {v: k for k, v in _URGENCY.items()}


class CallRef(NamedTuple):
    """A call as the engine knows it."""

    tenant_id: str
    call_id: str


def segment_from_proto(segment: transcript_pb2.TranscriptSegment) -> Segment:
    return Segment(
        seq=segment.seq,
        role=_ROLE.get(segment.speaker_role, Role.UNKNOWN),
        text=segment.text,
        speaker_identity=segment.speaker_identity,
        start_s=segment.start_offset.ToMicroseconds() / 1e6,
        end_s=segment.end_offset.ToMicroseconds() / 1e6,
        on_hold=segment.on_hold,
    )


def summary_to_proto(summary: Summary) -> summary_pb2.CallSummary:
    return summary_pb2.CallSummary(
        briefing=summary.briefing,
        reason=summary.reason,
        facts=summary.facts,
        actions=summary.actions,
        next_steps=summary.next_steps,
        sentiment=_SENTIMENT[summary.sentiment],
        urgency=_URGENCY[summary.urgency],
        covered_through_seq=summary.covered_through_seq,
        summarizer=summary.summarizer,
        final=summary.final,
    )


def summary_from_proto(proto: summary_pb2.CallSummary, state: bytes) -> Summary:
    return Summary(
        reason=proto.reason,
        facts=tuple(proto.facts),
        actions=tuple(proto.actions),
        next_steps=tuple(proto.next_steps),
        sentiment=_SENTIMENT_BACK.get(proto.sentiment, Sentiment.UNSPECIFIED),
        urgency=_URGENCY_BACK.get(proto.urgency, Urgency.UNSPECIFIED),
        briefing=proto.briefing,
        covered_through_seq=proto.covered_through_seq,
        summarizer=proto.summarizer,
        final=proto.final,
        state=state,
    )


class StoreSummaryStorage:
    """The engine's view of the call store: redacted text, except for the tenants whose
    configuration lets their summarizer read the raw text.

    The engine is the only writer of summaries, so the last summary it saved for a call is kept
    in a bounded LRU and a refresh reads only the new segments from the store.
    """

    def __init__(
        self,
        store: CallStore,
        *,
        cache_size: int = 10_000,
        raw_tenants: Set[str] = frozenset(),
        fence: Callable[[str], tuple[str, int] | None] | None = None,
    ) -> None:
        """`fence(call_id)` is (replica, epoch) to write a call's summary under, or None when
        this replica no longer owns the call (its summary is then not written)."""
        self._store = store
        self._fence = fence
        self._raw_tenants = raw_tenants
        self._cache: OrderedDict[CallRef, Summary] = OrderedDict()
        self._cache_size = cache_size

    async def load_summary(self, key: CallRef) -> Summary | None:
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        stored = await self._store.get_summary(key.tenant_id, key.call_id)
        return summary_from_proto(stored.summary, stored.state) if stored else None

    async def segments_after(self, key: CallRef, after_seq: int, limit: int) -> list[Segment]:
        """The stored segments after `after_seq` that no later segment can revise: no summary,
        and no event carrying one, ever holds text that a later revision hides ("my card is
        four one one one" waits for the next line, which may complete the number). The call's
        settled mark is kept in the store, so the owner of a call reads it right whichever
        replica received the segments."""
        segments = await self._store.get_segments(
            key.tenant_id,
            key.call_id,
            after_seq=after_seq,
            limit=limit,
            raw=key.tenant_id in self._raw_tenants,
            settled=True,
            background=True,
        )
        return [segment_from_proto(s) for s in segments]

    async def save_summary(self, key: CallRef, summary: Summary) -> None:
        fence = self._fence(key.call_id) if self._fence is not None else None
        if self._fence is not None and fence is None:
            log.info("summary of call %s not saved: another replica owns the call", key.call_id)
            return
        try:
            await self._store.save_summary(
                key.call_id, summary_to_proto(summary), summary.state, fence=fence
            )
        except FailedPrecondition as exc:  # the final summary stands, or the call moved on
            log.info("summary of call %s not saved: %s", key.call_id, exc)
            return
        self._cache[key] = summary
        self._cache.move_to_end(key)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
