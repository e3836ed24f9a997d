"""Summary quality and freshness, per summarizer, on the scripted calls in tests/data/calls/ (15
calls the offline summarizer was developed with).

    python -m bench.eval_summaries [--local-llm] [--pace 1.5] [--calls DIR]

`--calls tests/data/calls_heldout` scores the held-out calls: kinds the offline summarizer was
not developed on, written without looking at it (see the README there).

Summarizers: `offline` always; `llm:<model>` when OPENAI_API_KEY or OPENAI_BASE_URL is set (the
server's own configuration variables); with `--local-llm`, also the Gemma 3 270M base model on
a local llama.cpp server, on three of the calls (wire path only: its text is nonsense, its
score says so).

Quality. Each call script lists what a receiving agent must learn, as groups of aliases (for
example ["charged twice", "double charge", "duplicate"]): the reason for the call, facts,
actions and open items, and the caller's sentiment. A group counts as recalled when any of its
aliases appears (case-insensitively) anywhere in the summary: reason, lists or briefing. Scored
twice: the rolling summary at the end of the call (built 3 lines at a time, as during the call)
and the final summary (the whole call at once, as after EndCall). Keyword matching undercounts
a paraphrase that uses none of the aliases; the aliases were written with the calls.

An LLM is scored alone, without the offline stand-in the server puts under it: a request that
gives no usable summary counts as such, and the call keeps its previous summary.

Briefing recall: the same alias groups (reason, facts, actions, open items) looked for in the
briefing alone, the few spoken sentences B hears and reads first; what a receiving agent gets
before reading further. Beside it, as a floor, the same score of the transcript's own first 80
words.

Freshness. All calls run at once through the rolling-summary engine at `--pace` seconds per
line (the server's default debounce: 3 lines or 2 s). At every new line, the lag is how many
final lines the current summary has not read yet; the p95 of that lag is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import percentile
from tests.pipeline.calls import CALLS_DIR, ScriptedCall, everything, load_calls, matched
from tests.pipeline.test_engine import MemoryStorage
from warmtransfer.pipeline.summary.engine import RollingSummaryEngine
from warmtransfer.pipeline.summary.llm import LLMSettings, build_llm
from warmtransfer.pipeline.summary.model import Segment, Summarizer, SummarizerError, Summary
from warmtransfer.pipeline.summary.offline import OfflineSummarizer
from warmtransfer.server.config import load_config


@dataclass
class Score:
    reason: int = 0
    facts: tuple[int, int] = (0, 0)
    actions: tuple[int, int] = (0, 0)
    next_steps: tuple[int, int] = (0, 0)
    sentiment: int = 0
    briefing: tuple[int, int] = (0, 0)  # every group, found in the briefing alone
    calls: int = 0
    failed: int = 0  # requests that gave no usable summary (the call keeps its previous one)

    def add(self, call: ScriptedCall, summary: Summary | None) -> None:
        expect, text = call["expect"], everything(summary or Summary())
        summary = summary or Summary()
        self.calls += 1
        self.reason += any(k.lower() in text for k in expect["reason"])
        self.sentiment += summary.sentiment.value == expect["sentiment"]
        for field in ("facts", "actions", "next_steps"):
            hits = matched(expect[field], text)  # type: ignore[literal-required]
            found, total = getattr(self, field)
            setattr(self, field, (found + sum(hits), total + len(hits)))
        hits = briefing_hits(call, summary.briefing)
        self.briefing = (self.briefing[0] + sum(hits), self.briefing[1] + len(hits))

    def line(self, label: str) -> str:
        def ratio(pair: tuple[int, int]) -> str:
            return f"{pair[0] / pair[1]:.2f}" if pair[1] else "n/a"

        return (
            f"{label:34} briefing recall {ratio(self.briefing)}, "
            f"fact recall {ratio(self.facts)}, actions {ratio(self.actions)}, "
            f"open items {ratio(self.next_steps)}, reason {self.reason}/{self.calls}, "
            f"sentiment {self.sentiment}/{self.calls}"
            + (f"; {self.failed} unusable answers" if self.failed else "")
        )


def briefing_hits(call: ScriptedCall, text: str) -> list[bool]:
    """Each expected group (reason, facts, actions, open items): found in `text`?"""
    expect, text = call["expect"], text.lower()
    groups = [expect["reason"], *expect["facts"], *expect["actions"], *expect["next_steps"]]
    return matched(groups, text)


def first_words(call: ScriptedCall, n: int = 80) -> str:
    words = " ".join(s.text for s in call["segments"]).split()
    return " ".join(words[:n])


async def attempt(
    summarizer: Summarizer, previous: Summary | None, segments: Sequence[Segment], score: Score
) -> Summary | None:
    """One update; a failure leaves the previous summary standing (as in the server, minus
    the offline stand-in: this scores the summarizer alone)."""
    try:
        return await summarizer.update(previous, segments)
    except SummarizerError:
        score.failed += 1
        return previous


async def rolling(
    summarizer: Summarizer, segments: Sequence[Segment], score: Score
) -> Summary | None:
    summary: Summary | None = None
    for start in range(0, len(segments), 3):
        summary = await attempt(summarizer, summary, segments[start : start + 3], score)
    return summary


async def freshness(summarizer: Summarizer, calls: list[ScriptedCall], pace: float) -> list[int]:
    storage = MemoryStorage()
    engine: RollingSummaryEngine[str] = RollingSummaryEngine(summarizer, storage)
    lags: list[int] = []

    async def play(call: ScriptedCall, offset: float) -> None:
        await asyncio.sleep(offset)
        key = call["name"]
        for segment in call["segments"]:
            storage.segments.setdefault(key, []).append(segment)
            engine.segment_stored(key)
            covered = storage.summaries.get(key)
            lags.append(segment.seq - (covered.covered_through_seq if covered else 0))
            await asyncio.sleep(pace)  # the next line is said `pace` seconds later

    await asyncio.gather(*(play(c, i * pace / len(calls)) for i, c in enumerate(calls)))
    await engine.close()
    if engine.failures:
        print(f"  ({engine.failures} refreshes failed while the calls ran)")
    return lags


async def evaluate(
    name: str, summarizer: Summarizer, calls: list[ScriptedCall], pace: float
) -> None:
    rolling_score, final_score = Score(), Score()
    started = time.perf_counter()
    for call in calls:
        rolling_score.add(call, await rolling(summarizer, call["segments"], rolling_score))
        final_score.add(call, await attempt(summarizer, None, call["segments"], final_score))
    took = time.perf_counter() - started
    floor = [h for call in calls for h in briefing_hits(call, first_words(call))]
    print(f"{'the first 80 words (a floor)':34} briefing recall {sum(floor) / len(floor):.2f}")
    print(rolling_score.line(f"{name} (rolling)"))
    print(final_score.line(f"{name} (final pass)"))
    lags = await freshness(summarizer, calls, pace)
    print(
        f"{name:34} freshness: lines not yet summarized, p50 {percentile(lags, 50):.0f}, "
        f"p95 {percentile(lags, 95):.0f}, mean {statistics.fmean(lags):.2f} "
        f"(n={len(lags)}, {pace:g} s per line); quality pass took {took:.1f} s"
    )


async def main(local_llm: bool, pace: float, directory: Path) -> None:
    logging.basicConfig(level=logging.CRITICAL)  # failures are counted, not logged
    calls = load_calls(directory)
    print(f"{len(calls)} scripted calls: {', '.join(sorted({c['kind'] for c in calls}))}")
    await evaluate("offline", OfflineSummarizer(), calls, pace)
    configured = load_config(dict(os.environ), dotenv_path=None).llm
    if configured is not None:
        summarizer = build_llm(configured)
        await evaluate(f"llm:{configured.model}", summarizer, calls, pace)
        await summarizer.aclose()
    if local_llm:
        from tests.llama_server import MODEL_NAME, running_llama

        async with running_llama() as url:
            settings = LLMSettings(
                model=MODEL_NAME, base_url=url, timeout_s=120, max_output_tokens=400
            )
            summarizer = build_llm(settings)
            await final_pass_only(f"llm:{MODEL_NAME} (local)", summarizer, calls)
            await summarizer.aclose()


async def final_pass_only(name: str, summarizer: Summarizer, calls: list[ScriptedCall]) -> None:
    score, seconds = Score(), []
    for call in calls:
        started = time.perf_counter()
        score.add(call, await attempt(summarizer, None, call["segments"], score))
        seconds.append(time.perf_counter() - started)
    print(score.line(f"{name} (final pass)"))
    print(
        f"{name:34} seconds per summary: p50 {percentile(seconds, 50):.1f}, "
        f"p95 {percentile(seconds, 95):.1f} (n={len(seconds)})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--local-llm", action="store_true")
    parser.add_argument("--pace", type=float, default=1.5)
    parser.add_argument("--calls", type=Path, default=CALLS_DIR)
    args = parser.parse_args()
    asyncio.run(main(args.local_llm, args.pace, args.calls))
