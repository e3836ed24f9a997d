"""Redaction's CPU per segment, as the server's redaction workers spend it: the live capacity
benchmark's call text (`bench.live.call_scripts`), 60 calls interleaved turn by turn, redacted
in batches of 40 segments across calls on one core. Reported: CPU per segment in all, in the
name model, in the pattern recognizers, and in each recognizer (wall time inside it,
single-threaded).

    python -m bench.redaction_cost
    python -m bench.redaction_cost --baseline ../old     # the engine of another tree, same text

With `--baseline` the engine is imported from that tree (its `rag` package); the text is this
tree's, so both read the same segments. Run both in one sitting: the machine is shared.
"""

from __future__ import annotations

import collections
import time
from typing import Any

from bench.common import measured_trees

CALLS = 60
TURNS = 40
BATCH = 40


def measure() -> dict[str, Any]:
    from bench.live import call_scripts
    from warmtransfer.rag.redaction.engine import RedactionEngine, RedactionRequest

    engine = RedactionEngine()
    scripts = call_scripts(CALLS)
    calls = [engine.start_call() for _ in scripts]
    requests = [
        RedactionRequest(call=call, speaker=script[turn][0], text=script[turn][1], seq=turn)
        for turn in range(TURNS)
        for call, script in zip(calls, scripts, strict=True)
        if turn < len(script)
    ]
    spent: dict[str, float] = collections.defaultdict(float)
    analyzer: Any = engine._analyzer
    for recognizer, _ in analyzer._recognizers:
        recognizer.analyze = _timed(recognizer.analyze, type(recognizer).__name__, spent)
    analyzer.patterns = _timed(analyzer.patterns, "all pattern recognizers", spent)
    analyzer.names = _timed(analyzer.names, "the name model (spaCy)", spent)
    redact = getattr(engine, "redact_settling", engine.redact)
    start = time.process_time()
    for i in range(0, len(requests), BATCH):
        redact(requests[i : i + BATCH])
    total = time.process_time() - start
    per = 1000 / len(requests)
    return {
        "segments": len(requests),
        "total_ms": total * per,
        "parts_ms": {
            name: seconds * per for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1])
        },
    }


def _timed(fn: Any, name: str, spent: dict[str, float]) -> Any:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start

    return timed


def main() -> None:
    runs = measured_trees(
        "bench.redaction_cost", __doc__, "also measure the engine of this source tree"
    )
    if runs is None:
        return
    names = list(dict.fromkeys(n for r in runs.values() for n in r["parts_ms"]))
    print(
        f"redaction CPU per segment, ms ({CALLS} calls, batches of {BATCH}, "
        f"{runs['this tree']['segments']:,} segments)"
    )
    print("| part | " + " | ".join(runs) + " |")
    print("|---|" + "---|" * len(runs))
    print(
        "| **all of redaction** | "
        + " | ".join(f"{r['total_ms']:.3f}" for r in runs.values())
        + " |"
    )
    for name in names:
        cells = [f"{r['parts_ms'].get(name, 0.0):.3f}" for r in runs.values()]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
