"""`FallbackSummarizer`: a primary summarizer (an LLM) with the offline one underneath.

Every update runs the fallback first (the offline summarizer: ~0.1 ms a line, no network), so
its memory is always current, then asks the primary. When the primary fails (timeout, refused
request, unusable answer) the update returns the fallback's summary instead, and the primary is
left alone for `cooldown_s` (every update in that time takes the fallback's summary at once,
rather than waiting out another timeout). `Summary.summarizer` says which one wrote each summary,
so the call's events show it.

Both summarizers' private memories travel together in `Summary.state`.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import replace

from warmtransfer.pipeline.summary.model import Segment, Summarizer, SummarizerError, Summary

__all__ = ["FallbackSummarizer"]

log = logging.getLogger(__name__)


class FallbackSummarizer:
    """The primary's summaries while it works, the fallback's when it does not."""

    def __init__(
        self, primary: Summarizer, fallback: Summarizer, *, cooldown_s: float = 30.0
    ) -> None:
        self.primary, self.fallback = primary, fallback
        self.name = primary.name
        self._cooldown_s = cooldown_s
        self._resting_until = 0.0
        self.failures = 0

    async def aclose(self) -> None:
        for summarizer in (self.primary, self.fallback):
            close = getattr(summarizer, "aclose", None)
            if close is not None:
                await close()

    async def update(self, previous: Summary | None, new_segments: Sequence[Segment]) -> Summary:
        primary_state, fallback_state = _split(previous.state if previous else b"")
        backup = await self.fallback.update(
            replace(previous, state=fallback_state) if previous else None, new_segments
        )
        if time.monotonic() < self._resting_until:
            return replace(backup, state=_join(primary_state, backup.state))
        try:
            summary = await self.primary.update(
                replace(previous, state=primary_state) if previous else None, new_segments
            )
        except SummarizerError as exc:
            self.failures += 1
            self._resting_until = time.monotonic() + self._cooldown_s
            log.warning(
                "%s failed (%s); using %s for %g s", self.primary.name, exc, backup.summarizer,
                self._cooldown_s,
            )  # fmt: skip
            return replace(backup, state=_join(primary_state, backup.state))
        return replace(summary, state=_join(summary.state, backup.state))


def _join(primary: bytes, fallback: bytes) -> bytes:
    return json.dumps(
        {
            "primary": base64.b64encode(primary).decode(),
            "fallback": base64.b64encode(fallback).decode(),
        }
    ).encode()


def _split(state: bytes) -> tuple[bytes, bytes]:
    """(primary, fallback) memories; a state from the fallback alone (the summarizer the call
    began with) is the fallback's."""
    if not state:
        return b"", b""
    try:
        parts = json.loads(state)
        return base64.b64decode(parts["primary"]), base64.b64decode(parts["fallback"])
    except (ValueError, KeyError, TypeError):
        return b"", state
