"""The media worker's transcript streams open on this replica, by call.

A call's transcriber (the media worker) keeps one `StreamTranscript` stream open for the life of
the call room, and ends it only after its last utterance is recognized and acknowledged. EndCall
closes the room first and waits here for that end, so the caller's last words, said a moment
before the hang-up, are in the transcript, in `WatchCall` and in the final summary.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

__all__ = ["OpenStreams"]


class OpenStreams:
    def __init__(self) -> None:
        self._open: dict[str, int] = {}
        self._ended: dict[str, asyncio.Event] = {}

    @contextlib.contextmanager
    def opened(self, call_id: str) -> Iterator[None]:
        """Count a stream of the call as open for the `with` block."""
        self._open[call_id] = self._open.get(call_id, 0) + 1
        try:
            yield
        finally:
            self._open[call_id] -= 1
            if not self._open[call_id]:
                del self._open[call_id]
                ended = self._ended.pop(call_id, None)
                if ended is not None:
                    ended.set()

    def is_open(self, call_id: str) -> bool:
        return call_id in self._open

    async def wait_ended(self, call_id: str, timeout: float) -> bool:
        """Wait until no stream of the call is open here; False if `timeout` passed first."""
        if call_id not in self._open:
            return True
        ended = self._ended.setdefault(call_id, asyncio.Event())
        try:
            await asyncio.wait_for(ended.wait(), timeout)
        except TimeoutError:
            return False
        return True
