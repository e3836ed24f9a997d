"""The rolling-summary engine: debounced, incremental, coalescing, never blocking ingest.

The summarizer and storage here are small in-memory implementations of the engine's own
protocols, so each test can hold the summarizer still and see exactly what it was given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from warmtransfer.pipeline.summary.engine import RollingSummaryEngine
from warmtransfer.pipeline.summary.model import Role, Segment, Summary


class MemoryStorage:
    def __init__(self) -> None:
        self.segments: dict[str, list[Segment]] = {}
        self.summaries: dict[str, Summary] = {}
        self.saved = asyncio.Event()

    def add(self, key: str, seq: int) -> None:
        self.segments.setdefault(key, []).append(Segment(seq, Role.CALLER, f"said {seq}"))

    async def load_summary(self, key: str) -> Summary | None:
        return self.summaries.get(key)

    async def segments_after(self, key: str, after_seq: int, limit: int) -> list[Segment]:
        return [s for s in self.segments.get(key, []) if s.seq > after_seq][:limit]

    async def save_summary(self, key: str, summary: Summary) -> None:
        self.summaries[key] = summary
        self.saved.set()


class RecordingSummarizer:
    name = "recording"

    def __init__(self) -> None:
        self.calls: list[tuple[int, list[int]]] = []
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()
        self.fail_next = False

    async def update(self, previous: Summary | None, new_segments: Sequence[Segment]) -> Summary:
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("summarizer broke")
        covered = previous.covered_through_seq if previous else 0
        self.calls.append((covered, [s.seq for s in new_segments]))
        return Summary(
            reason=f"{len(self.calls)} updates",
            covered_through_seq=new_segments[-1].seq,
            summarizer=self.name,
        )


def make(
    every_segments: int = 3, every_seconds: float = 3600.0
) -> tuple[RollingSummaryEngine[str], MemoryStorage, RecordingSummarizer]:
    storage, summarizer = MemoryStorage(), RecordingSummarizer()
    engine: RollingSummaryEngine[str] = RollingSummaryEngine(
        summarizer, storage, every_segments=every_segments, every_seconds=every_seconds
    )
    return engine, storage, summarizer


def store(engine: RollingSummaryEngine[str], storage: MemoryStorage, key: str, seq: int) -> None:
    storage.add(key, seq)
    engine.segment_stored(key)


async def test_refreshes_after_enough_segments() -> None:
    engine, storage, summarizer = make(every_segments=3)
    store(engine, storage, "c1", 1)
    store(engine, storage, "c1", 2)
    for _ in range(20):  # give the engine every chance to run early
        await asyncio.sleep(0)
    assert summarizer.calls == []
    store(engine, storage, "c1", 3)
    await asyncio.wait_for(storage.saved.wait(), 10)
    assert summarizer.calls == [(0, [1, 2, 3])]
    await engine.close()


async def test_refreshes_after_the_quiet_period() -> None:
    engine, storage, summarizer = make(every_segments=100, every_seconds=0.05)
    store(engine, storage, "c1", 1)
    await asyncio.wait_for(storage.saved.wait(), 10)
    assert summarizer.calls == [(0, [1])]
    await engine.close()


async def test_updates_are_incremental_and_coalesce_while_busy() -> None:
    engine, storage, summarizer = make(every_segments=1)
    summarizer.gate = asyncio.Event()
    store(engine, storage, "c1", 1)
    await asyncio.wait_for(summarizer.entered.wait(), 10)  # update 1 is running, held
    for seq in range(2, 12):
        store(engine, storage, "c1", seq)  # ten more arrive while it is busy
    summarizer.gate.set()
    assert await engine.flush("c1", timeout=10)
    # one update for seq 1, then ONE update for the ten that queued up, from the previous summary
    assert summarizer.calls == [(0, [1]), (1, list(range(2, 12)))]
    assert storage.summaries["c1"].covered_through_seq == 11
    assert engine.active_calls == 0  # an idle call holds nothing


async def test_calls_are_independent() -> None:
    engine, storage, _ = make(every_segments=1)
    for key in ("a", "b", "c"):
        store(engine, storage, key, 1)
        store(engine, storage, key, 2)
    for key in ("a", "b", "c"):
        assert await engine.flush(key, timeout=10)
        assert storage.summaries[key].covered_through_seq == 2


async def test_a_failing_summarizer_does_not_stop_the_engine() -> None:
    engine, storage, summarizer = make(every_segments=1)
    summarizer.fail_next = True
    store(engine, storage, "c1", 1)
    assert await engine.flush("c1", timeout=10)
    assert engine.failures == 1 and "c1" not in storage.summaries
    store(engine, storage, "c1", 2)
    assert await engine.flush("c1", timeout=10)
    assert storage.summaries["c1"].covered_through_seq == 2  # it caught up with both


async def test_flush_reports_a_timeout() -> None:
    engine, storage, summarizer = make(every_segments=1)
    summarizer.gate = asyncio.Event()
    store(engine, storage, "c1", 1)
    assert not await engine.flush("c1", timeout=0.05)
    summarizer.gate.set()
    assert await engine.flush("c1", timeout=10)


@pytest.mark.parametrize("batch", [1, 7])
async def test_large_backlogs_are_read_in_bounded_batches(batch: int) -> None:
    storage, summarizer = MemoryStorage(), RecordingSummarizer()
    engine: RollingSummaryEngine[str] = RollingSummaryEngine(
        summarizer, storage, every_segments=1, max_batch=batch
    )
    for seq in range(1, 16):
        storage.add("c1", seq)
    assert await engine.flush("c1", timeout=10)
    assert all(len(seqs) <= batch for _, seqs in summarizer.calls)
    assert [s for _, seqs in summarizer.calls for s in seqs] == list(range(1, 16))
