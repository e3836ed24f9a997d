"""PII redaction on the labelled evaluation set (tests/data/redaction/cases.jsonl).

    python -m bench.eval_redaction [--cases PATH] [--show-errors N] [--check]

The set and its labelling conventions are in bench/redaction_cases.py. Every case runs through a
fresh call of `RedactionEngine` (one engine for all cases), its segments fed in order with seq
1..n; a segment's final findings are those of its last revision, which may come from a later
segment of the same speaker (an entity split over two segments).

Recall, per labelled type: a labelled entity counts as redacted when every letter and digit in
it lies inside some finding, of any type (a leak is a leak, whatever the finding calls it).
Spaces and punctuation left between redacted pieces leak nothing; a partly covered entity is a
miss. Type accuracy: the share of redacted entities with an overlapping finding of the labelled
type.

Words kept: the words (runs of letters and digits) outside every labelled entity that no finding
touches, over all such words: what redaction leaves of what is not personal data.

Precision, per predicted type: the findings of a segment are merged when they overlap or touch
(nothing but spaces and punctuation between them), so one value redacted in pieces counts once;
a merged span is correct when it overlaps a labelled entity of any type. Overall figures are
micro-averaged: over all labelled entities, and over findings merged across types.

Exit status 0 (this is a measurement), unless `--check` is given and the overall figures miss
the target.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bench.common import percentile
from warmtransfer.rag.redaction.model import ENTITY_TYPES, Finding, Revision

__all__ = [
    "CASES_PATH",
    "TARGET_PRECISION",
    "TARGET_RECALL",
    "Case",
    "FalsePositive",
    "Label",
    "Miss",
    "RedactCall",
    "Report",
    "Segment",
    "TypeScore",
    "engine_redactor",
    "format_report",
    "load_cases",
    "main",
    "score",
]

CASES_PATH = Path(__file__).resolve().parent.parent / "tests" / "data" / "redaction" / "cases.jsonl"
TARGET_RECALL = 0.98
TARGET_PRECISION = 0.9


@dataclass(frozen=True, slots=True)
class Segment:
    """One speech-to-text segment of a call, as the redactor sees it."""

    speaker: str
    text: str


@dataclass(frozen=True, slots=True)
class Label:
    """Labelled personal data at `[start, end)` of one segment's text."""

    entity_type: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Case:
    """A call snippet; `labels[i]` are the entities in `segments[i]`."""

    id: str
    kind: str
    segments: tuple[Segment, ...]
    labels: tuple[tuple[Label, ...], ...]

    @property
    def negative(self) -> bool:
        return not any(self.labels)


RedactCall = Callable[[Sequence[Segment]], Sequence[Sequence[Finding]]]
"""Redacts one call: its segments in order -> the final findings of each segment."""


def load_cases(path: Path | str = CASES_PATH) -> list[Case]:
    cases = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        segments = tuple(Segment(s["speaker"], s["text"]) for s in raw["segments"])
        labels = tuple(
            tuple(Label(e["type"], e["start"], e["end"]) for e in s["entities"])
            for s in raw["segments"]
        )
        cases.append(Case(raw["id"], raw["kind"], segments, labels))
    return cases


# --- Scoring ----------------------------------------------------------------------------------


@dataclass
class TypeScore:
    labelled: int = 0  # labelled entities of this type
    redacted: int = 0  # ... whose letters and digits are all covered by findings
    typed: int = 0  # ... of which some overlapping finding has this type
    predicted: int = 0  # merged findings of this type
    correct: int = 0  # ... that overlap a labelled entity

    @property
    def recall(self) -> float | None:
        return self.redacted / self.labelled if self.labelled else None

    @property
    def type_accuracy(self) -> float | None:
        return self.typed / self.redacted if self.redacted else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None


@dataclass(frozen=True, slots=True)
class Miss:
    """A labelled entity not fully redacted; `shown` is its text with redacted characters as █."""

    case_id: str
    entity_type: str
    text: str
    shown: str
    leaked: int  # letters and digits left in clear


@dataclass(frozen=True, slots=True)
class FalsePositive:
    """A merged finding that overlaps no labelled entity."""

    case_id: str
    entity_types: tuple[str, ...]
    text: str


@dataclass
class Report:
    types: dict[str, TypeScore] = field(default_factory=dict)
    overall: TypeScore = field(default_factory=TypeScore)  # predictions merged across types
    forms: dict[str, TypeScore] = field(default_factory=dict)  # by the form part of a case kind
    cases: int = 0
    segments: int = 0
    negative_cases: int = 0
    clean_negative_cases: int = 0  # negative cases without any finding
    words: int = 0  # words outside every labelled entity
    words_kept: int = 0  # ... that no finding touches
    misses: list[Miss] = field(default_factory=list)
    false_positives: list[FalsePositive] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.overall.recall

    @property
    def precision(self) -> float | None:
        return self.overall.precision

    @property
    def kept(self) -> float | None:
        return self.words_kept / self.words if self.words else None

    @property
    def meets_target(self) -> bool:
        recall, precision = self.recall, self.precision
        return (
            recall is not None
            and recall >= TARGET_RECALL
            and (precision is None or precision >= TARGET_PRECISION)
        )

    def worst_misses(self, n: int) -> list[Miss]:
        return sorted(self.misses, key=lambda m: (-m.leaked, m.case_id))[:n]

    def worst_false_positives(self, n: int) -> list[tuple[FalsePositive, int]]:
        """The most frequent false positives (by types and lower-cased text), with counts."""
        counts = Counter((fp.entity_types, fp.text.lower()) for fp in self.false_positives)
        first: dict[tuple[tuple[str, ...], str], FalsePositive] = {}
        for fp in self.false_positives:
            first.setdefault((fp.entity_types, fp.text.lower()), fp)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], first[item[0]].case_id))
        return [(first[key], count) for key, count in ranked[:n]]


def _clip(findings: Iterable[Finding], length: int) -> list[Finding]:
    clipped = []
    for f in findings:
        start, end = max(0, f.start), min(length, f.end)
        if start < end:
            clipped.append(Finding(f.entity_type, start, end, f.score))
    return sorted(clipped, key=lambda f: (f.start, f.end))


def _merge(text: str, findings: Sequence[Finding]) -> list[tuple[int, int, tuple[str, ...]]]:
    """Spans of findings (sorted by start) that overlap or touch, with the types in each."""
    merged: list[tuple[int, int, tuple[str, ...]]] = []
    for f in findings:
        if merged:
            start, end, types = merged[-1]
            if f.start <= end or not any(c.isalnum() for c in text[end : f.start]):
                kinds = types if f.entity_type in types else (*types, f.entity_type)
                merged[-1] = (start, max(end, f.end), kinds)
                continue
        merged.append((f.start, f.end, (f.entity_type,)))
    return merged


_WORD = re.compile(r"[^\W_]+")


def _overlaps(start: int, end: int, other_start: int, other_end: int) -> bool:
    return start < other_end and other_start < end


def _form(kind: str) -> str:
    return "negative" if kind.startswith("negative.") else kind.rsplit(".", 1)[-1]


def _score_segment(
    report: Report,
    case: Case,
    text: str,
    labels: Sequence[Label],
    findings: list[Finding],
) -> None:
    covered = [False] * len(text)
    for f in findings:
        covered[f.start : f.end] = [True] * (f.end - f.start)
    form = report.forms.setdefault(_form(case.kind), TypeScore())
    for label in labels:
        score = report.types.setdefault(label.entity_type, TypeScore())
        span = range(label.start, label.end)
        significant = [i for i in span if text[i].isalnum()] or [
            i for i in span if not text[i].isspace()
        ]
        leaked = [i for i in significant if not covered[i]]
        for counter in (score, report.overall, form):
            counter.labelled += 1
        if leaked:
            shown = "".join("█" if covered[i] else text[i] for i in span)
            report.misses.append(
                Miss(case.id, label.entity_type, text[label.start : label.end], shown, len(leaked))
            )
            continue
        typed = any(
            f.entity_type == label.entity_type and _overlaps(f.start, f.end, label.start, label.end)
            for f in findings
        )
        for counter in (score, report.overall, form):
            counter.redacted += 1
            counter.typed += typed

    def correct(start: int, end: int) -> bool:
        return any(_overlaps(start, end, label.start, label.end) for label in labels)

    for word in _WORD.finditer(text):
        if not correct(word.start(), word.end()):
            report.words += 1
            report.words_kept += not any(covered[word.start() : word.end()])

    for start, end, types in _merge(text, findings):
        ok = correct(start, end)
        report.overall.predicted += 1
        report.overall.correct += ok
        form.predicted += 1
        form.correct += ok
        if not ok:
            report.false_positives.append(FalsePositive(case.id, types, text[start:end]))
    for entity_type in sorted({f.entity_type for f in findings}):
        own = [f for f in findings if f.entity_type == entity_type]
        score = report.types.setdefault(entity_type, TypeScore())
        for start, end, _ in _merge(text, own):
            score.predicted += 1
            score.correct += correct(start, end)


def score(cases: Sequence[Case], redact_call: RedactCall) -> Report:
    """Runs every case through `redact_call` and scores its final findings against the labels."""
    report = Report(types={t: TypeScore() for t in ENTITY_TYPES})
    for case in cases:
        result = redact_call(case.segments)
        if len(result) != len(case.segments):
            raise ValueError(
                f"{case.id}: findings for {len(result)} segments, expected {len(case.segments)}"
            )
        report.cases += 1
        report.segments += len(case.segments)
        found_any = False
        for segment, labels, raw in zip(case.segments, case.labels, result, strict=True):
            findings = _clip(raw, len(segment.text))
            found_any = found_any or bool(findings)
            _score_segment(report, case, segment.text, labels, findings)
        if case.negative:
            report.negative_cases += 1
            report.clean_negative_cases += not found_any
    return report


# --- The engine ----------------------------------------------------------------------------


class CallRedaction(Protocol):
    """Per-call redaction state (`RedactionEngine.start_call()`)."""

    def add(self, *, seq: int, speaker: str, text: str) -> Sequence[Revision]: ...


class Engine(Protocol):
    def start_call(self) -> CallRedaction: ...


def engine_redactor(engine: Engine, timings: list[float] | None = None) -> RedactCall:
    """A `RedactCall` over a fresh `engine.start_call()` per case: segments fed with seq 1..n,
    the last revision of each seq kept. Appends the seconds each `add` took to `timings`."""

    def redact(segments: Sequence[Segment]) -> list[tuple[Finding, ...]]:
        call = engine.start_call()
        final: dict[int, tuple[Finding, ...]] = {}
        for seq, segment in enumerate(segments, start=1):
            started = time.perf_counter()
            revisions = call.add(seq=seq, speaker=segment.speaker, text=segment.text)
            if timings is not None:
                timings.append(time.perf_counter() - started)
            for revision in revisions:
                final[revision.seq] = tuple(revision.findings)
        return [final.get(seq, ()) for seq in range(1, len(segments) + 1)]

    return redact


# --- Output -----------------------------------------------------------------------------------


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _row(label: str, s: TypeScore) -> str:
    return (
        f"{label:16} {s.labelled:5} {_ratio(s.recall):>7} {_ratio(s.type_accuracy):>9} "
        f"{s.predicted:9} {_ratio(s.precision):>9}"
    )


def format_report(report: Report, show_errors: int = 10) -> list[str]:
    lines = [
        f"{report.cases} cases ({report.negative_cases} without entities), "
        f"{report.segments} segments",
        f"{'type':16} {'n':>5} {'recall':>7} {'type-acc':>9} {'findings':>9} {'precision':>9}",
    ]
    extra = sorted(t for t in report.types if t not in ENTITY_TYPES)
    for entity_type in (*ENTITY_TYPES, *extra):
        lines.append(_row(entity_type, report.types[entity_type]))
    lines.append(_row("overall", report.overall))
    lines.append("by form (recall over labelled entities, precision over findings):")
    for form in sorted(report.forms):
        lines.append(_row(f"  {form}", report.forms[form]))
    lines.append(
        f"negative cases without any finding: {report.clean_negative_cases}/{report.negative_cases}"
    )
    lines.append(
        f"non-personal words kept: {report.words_kept}/{report.words} ({_ratio(report.kept)})"
    )
    lines.append(f"target: recall >= {TARGET_RECALL:g}, precision >= {TARGET_PRECISION:g}")
    if show_errors > 0:
        misses = report.worst_misses(show_errors)
        lines.append(f"worst misses ({len(misses)} of {len(report.misses)}; █ = redacted):")
        lines.extend(
            f"  {m.case_id:32} {m.entity_type:15} {m.shown!r} ({m.leaked} leaked)" for m in misses
        )
        false_positives = report.worst_false_positives(show_errors)
        lines.append(
            f"false positives (most frequent {len(false_positives)} of "
            f"{len(report.false_positives)}):"
        )
        lines.extend(
            f"  {fp.case_id:32} {'+'.join(fp.entity_types):15} {fp.text!r}"
            + (f" x{count}" if count > 1 else "")
            for fp, count in false_positives
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=Path, default=CASES_PATH)
    parser.add_argument("--show-errors", type=int, default=10, metavar="N")
    parser.add_argument("--check", action="store_true", help="exit 1 when below the target")
    args = parser.parse_args(argv)

    from warmtransfer.rag.redaction import RedactionEngine

    cases = load_cases(args.cases)
    started = time.perf_counter()
    engine = RedactionEngine()
    built = time.perf_counter() - started
    timings: list[float] = []
    started = time.perf_counter()
    report = score(cases, engine_redactor(engine, timings))
    took = time.perf_counter() - started
    for line in format_report(report, args.show_errors):
        print(line)
    ms = [t * 1000 for t in timings]
    print(
        f"per segment: p50 {percentile(ms, 50):.2f} ms, p95 {percentile(ms, 95):.2f} ms, "
        f"max {max(ms, default=float('nan')):.2f} ms (n={len(ms)}); "
        f"engine built in {built:.1f} s, all cases in {took:.1f} s"
    )
    if args.check and not report.meets_target:
        print("below target", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
