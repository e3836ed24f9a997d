"""Saturation: the server says when it cannot keep up, instead of silently falling behind.

`LoadMonitor` samples, twice a second, how far behind the live work is:

- **redaction backlog**: how long the oldest final segment has waited for redaction (the ack
  path: a segment is acknowledged only after it is redacted and committed);
- **event-loop lag**: how late the loop runs a timer (every RPC waits on the loop), the least
  of the last `LAG_SAMPLES` samples: a loop that stays behind, not one pause (a collection, a
  model loading) that is over as soon as it is seen;
- **history lag**: how long the oldest call with new segments has waited for the indexer.

While any is over its limit (`LIMITS`), the server is *saturated*: the health check's overall
status (`""`, what a load balancer or a readiness probe asks) is NOT_SERVING, and `CreateCall`
answers RESOURCE_EXHAUSTED with a `google.rpc.RetryInfo` (`Overloaded`), so new calls go to
another replica or wait. Calls already admitted go on: their transcript streams are never
refused (their segments would otherwise have nowhere to go), only acknowledged later, and
nothing acknowledged is lost. It clears once every figure is back under half its limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping

from warmtransfer.server.errors import Overloaded

__all__ = ["LIMITS", "LoadMonitor"]

log = logging.getLogger(__name__)

LIMITS: Mapping[str, float] = {
    "redaction_backlog_s": 1.0,
    "loop_lag_s": 0.5,
    "history_lag_s": 120.0,
}
SAMPLE_S = 0.5
LAG_SAMPLES = 4
RETRY_AFTER_S = 5.0


class LoadMonitor:
    """Samples the live backlog (see the module docstring) and admits new calls."""

    def __init__(
        self,
        probes: Mapping[str, Callable[[], float]],
        *,
        on_change: Callable[[bool], Awaitable[None]] | None = None,
        limits: Mapping[str, float] = LIMITS,
    ) -> None:
        unknown = set(probes) - set(limits) - {"loop_lag_s"}
        if unknown:
            raise ValueError(f"no limit for {sorted(unknown)}")
        self._probes = probes
        self.on_change = on_change
        self.limits = limits
        self.saturated = False
        self.figures: dict[str, float] = {}
        self._loop_lags: deque[float] = deque([0.0] * LAG_SAMPLES, maxlen=LAG_SAMPLES)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="load-monitor")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def admit(self) -> None:
        """Raise `Overloaded` while saturated (for new calls)."""
        if self.saturated:
            behind = ", ".join(
                f"{name} {value:.1f}"
                for name, value in self.figures.items()
                if value > self.limits.get(name, float("inf"))
            )
            raise Overloaded(
                f"the server is saturated ({behind or 'recovering'}); it takes no new calls "
                f"now: retry in {RETRY_AFTER_S:.0f} s or on another replica",
                retry_after=RETRY_AFTER_S,
            )

    async def sample(self) -> bool:
        """Read every probe once; returns whether the server is saturated now."""
        figures = {name: probe() for name, probe in self._probes.items()}
        figures["loop_lag_s"] = min(self._loop_lags, default=0.0)
        self.figures = figures
        over = [n for n, v in figures.items() if v > self.limits.get(n, float("inf"))]
        calm = all(v <= self.limits.get(n, float("inf")) / 2 for n, v in figures.items())
        saturated = bool(over) or (self.saturated and not calm)
        if saturated != self.saturated:
            self.saturated = saturated
            if saturated:
                log.warning("saturated: %s; new calls are refused", _show(figures))
            else:
                log.warning("no longer saturated: %s; new calls are admitted", _show(figures))
            if self.on_change is not None:
                await self.on_change(saturated)
        return saturated

    def record_loop_lag(self, lag: float) -> None:
        """How late the loop ran one of the monitor's timers (kept for the next samples)."""
        self._loop_lags.append(max(0.0, lag))

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + SAMPLE_S
            await asyncio.sleep(SAMPLE_S)
            self.record_loop_lag(loop.time() - due)
            try:
                await self.sample()
            except Exception:  # a probe's failure must not stop the monitor
                log.exception("sampling the load failed")


def _show(figures: Mapping[str, float]) -> str:
    return ", ".join(f"{name} {value:.2f}" for name, value in figures.items())
