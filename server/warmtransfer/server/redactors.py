"""The redaction state of the calls being transcribed: one `CallRedactor` per live call.

The analyzer (spaCy and the recognizers, ~2 s to load) is shared by the whole process and
loaded once; each call's redactor keeps that call's recent segments, so a number read over two
segments is found when the second arrives. Redaction runs in a worker thread, off the event
loop. The least recently used calls' state is dropped past `MAX_CALLS` (segments that arrive after
a call ends still find theirs); after a server restart a call's next segments start a fresh
window, and the segments already stored keep their redaction.
"""

from __future__ import annotations

import asyncio
import functools
from collections import OrderedDict

from warmtransfer.rag.redaction import CallRedactor, RedactionEngine, RedactionStyle, Revision

__all__ = ["CallRedactors", "shared_engine"]

MAX_CALLS = 20_000


@functools.cache
def shared_engine() -> RedactionEngine:
    """The process's analyzer (loaded on first use)."""
    return RedactionEngine()


class CallRedactors:
    def __init__(self, *, style: RedactionStyle = "tag", max_calls: int = MAX_CALLS) -> None:
        self._style: RedactionStyle = style
        self._calls: OrderedDict[tuple[str, str], CallRedactor] = OrderedDict()
        self._max_calls = max_calls

    async def load(self) -> None:
        """Load the analyzer without blocking the event loop."""
        await asyncio.to_thread(shared_engine)

    def _for_call(self, tenant_id: str, call_id: str) -> CallRedactor:
        key = (tenant_id, call_id)
        redactor = self._calls.get(key)
        if redactor is None:
            redactor = shared_engine().start_call(style=self._style)
            self._calls[key] = redactor
            if len(self._calls) > self._max_calls:
                self._calls.popitem(last=False)
        self._calls.move_to_end(key)
        return redactor

    async def add(
        self, tenant_id: str, call_id: str, *, seq: int, speaker: str, text: str
    ) -> list[Revision]:
        """Redact a final segment; its revision and those of earlier segments it completed."""
        redactor = self._for_call(tenant_id, call_id)
        return await asyncio.to_thread(redactor.add, seq=seq, speaker=speaker, text=text)

    async def preview(self, tenant_id: str, call_id: str, *, speaker: str, text: str) -> str:
        """The redacted text of an interim segment."""
        redactor = self._for_call(tenant_id, call_id)
        return await asyncio.to_thread(redactor.preview, speaker=speaker, text=text)
