"""The offline summarizer in a worker process: the same summaries as on the event loop, batched
across calls, and neither a dead worker nor one call's bad update loses another's."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator

import pytest

from tests.pipeline.calls import load_calls
from warmtransfer.pipeline.summary.model import (
    Role,
    Segment,
    Summarizer,
    SummarizerError,
    Summary,
)
from warmtransfer.pipeline.summary.offline import OfflineSummarizer
from warmtransfer.server.summary_worker import WorkerSummarizer

pytestmark = pytest.mark.slow


@pytest.fixture
async def summarizer() -> AsyncIterator[WorkerSummarizer]:
    worker = WorkerSummarizer()
    await worker.load()
    yield worker
    await worker.aclose()


async def _rolling(summarizer: Summarizer, segments: list[Segment], step: int) -> list[Summary]:
    """Every rolling summary of a call updated `step` segments at a time."""
    summaries: list[Summary] = []
    previous: Summary | None = None
    for start in range(0, len(segments), step):
        previous = await summarizer.update(previous, segments[start : start + step])
        summaries.append(previous)
    return summaries


async def test_the_worker_writes_the_summaries_the_offline_summarizer_writes(
    summarizer: WorkerSummarizer,
) -> None:
    pid = summarizer.worker.pid
    assert pid is not None and pid != os.getpid()
    calls = load_calls()
    # Every call at once, as the engine refreshes many calls: their updates share batches.
    got = await asyncio.gather(*(_rolling(summarizer, c["segments"], 2) for c in calls))
    expected = [await _rolling(OfflineSummarizer(), c["segments"], 2) for c in calls]
    assert got == expected
    updates = sum(len(s) for s in got)
    assert all(s[-1].reason and s[-1].briefing for s in got)
    assert summarizer.batches < updates / 2  # batched across calls, not one round trip each


async def test_a_dead_summary_worker_is_replaced_and_its_updates_run_again(
    summarizer: WorkerSummarizer,
) -> None:
    pid = summarizer.worker.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    segments = load_calls()[0]["segments"]
    summary = await summarizer.update(None, segments)
    assert summary == await OfflineSummarizer().update(None, segments)
    assert summarizer.worker.restarts == 1 and summarizer.worker.pid not in (None, pid)


async def test_one_bad_update_fails_alone(summarizer: WorkerSummarizer) -> None:
    good = load_calls()[0]["segments"][:4]
    broken = [Segment(seq=1, role=Role.CALLER, text=None)]  # type: ignore[arg-type]
    results = await asyncio.gather(
        summarizer.update(None, broken), summarizer.update(None, good), return_exceptions=True
    )
    assert isinstance(results[0], SummarizerError)
    assert results[1] == await OfflineSummarizer().update(None, good)


async def test_a_closed_summarizer_refuses_updates() -> None:
    worker = WorkerSummarizer()
    await worker.load()
    await worker.aclose()
    assert worker.worker.pid is None
    with pytest.raises(SummarizerError, match="closed"):
        await worker.update(None, load_calls()[0]["segments"][:2])
