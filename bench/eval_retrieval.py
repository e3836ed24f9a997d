"""Call-history retrieval on the labelled set (tests/data/retrieval/calls.json): does a question
about a past call find that call?

    python -m bench.eval_retrieval [--data PATH] [--show-errors N] [--check]

The set and how it was written are in bench/retrieval_calls.py. The index is built the way the
server builds it (`warmtransfer.server.indexing`): each call's segments are cut into speaker
turns by `cut_turns(call_ended=True)`, turns under `MIN_WORDS` words are skipped, the rest are
embedded by `MiniLMEmbedder` (all-MiniLM-L6-v2, int8 ONNX) and upserted into an in-memory edge
store (Qdrant's engine in-process), all in one tenant. Each question is asked the way
`ContextService.SearchContext` asks: the question embedded alone, then the 5 nearest snippets
within the tenant, within the question's customer when it names one.

Per question, the calls of the 5 snippets, in the order they first appear, are the answer's
ranking. recall@1: the right call is the first snippet's call. recall@5: the right call is among
the calls of the 5 snippets. MRR: the mean of 1 / (the right call's place in that ranking), 0
when it is absent. Per topic, and for the questions asked within one customer's calls.

Timing: the index build (chunking, embedding and upserting every call, one call at a time as the
indexer does; the model load is reported apart) and each query (embedding plus search).

Exit status 0 (this is a measurement), unless `--check` is given and recall@5 misses the target.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench.common import percentile
from warmtransfer.rag.chunking import TurnSegment, chunks_of, cut_turns
from warmtransfer.rag.embeddings import Embedder
from warmtransfer.rag.vector_store import Chunk, ChunkFilter, ChunkHit, VectorStore
from warmtransfer.v1 import call_pb2

__all__ = [
    "DATA_PATH",
    "LIMIT",
    "TARGET_RECALL_AT_5",
    "TENANT",
    "Call",
    "Miss",
    "Question",
    "Report",
    "RetrievalIndex",
    "Score",
    "Search",
    "Segment",
    "Snippet",
    "call_chunks",
    "format_report",
    "load_set",
    "main",
    "score",
]

DATA_PATH = Path(__file__).resolve().parent.parent / "tests" / "data" / "retrieval" / "calls.json"
TARGET_RECALL_AT_5 = 0.9
LIMIT = 5  # snippets per question
TENANT = "retrieval-eval"
COLLECTION = "retrieval_eval"

_ROLES = {"caller": call_pb2.PARTICIPANT_ROLE_CALLER, "agent": call_pb2.PARTICIPANT_ROLE_AGENT}


@dataclass(frozen=True, slots=True)
class Segment:
    role: str
    identity: str
    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Call:
    call_id: str
    topic: str
    customer_id: str
    started_at: datetime
    segments: tuple[Segment, ...]

    @property
    def transcript(self) -> str:
        return "\n".join(s.text for s in self.segments)


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    question: str
    call_id: str
    customer_id: str | None = None


def load_set(path: Path | str = DATA_PATH) -> tuple[list[Call], list[Question]]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    calls = [
        Call(
            call_id=c["call_id"],
            topic=c["topic"],
            customer_id=c["customer_id"],
            started_at=datetime.fromisoformat(c["started_at"]),
            segments=tuple(
                Segment(s["role"], s["identity"], s["text"], s["start_ms"], s["end_ms"])
                for s in c["segments"]
            ),
        )
        for c in raw["calls"]
    ]
    questions = [
        Question(q["id"], q["question"], q["call_id"], q.get("customer_id"))
        for q in raw["questions"]
    ]
    return calls, questions


# --- Scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snippet:
    """A search hit, as far as scoring needs it."""

    call_id: str
    text: str
    score: float


Search = Callable[[Question], Sequence[Snippet]]
"""Answers one question: its snippets, best first."""


@dataclass
class Score:
    questions: int = 0
    first: int = 0  # the right call is the first snippet's
    found: int = 0  # the right call is among the snippets' calls
    reciprocal_ranks: float = 0.0

    def add(self, rank: int | None) -> None:
        self.questions += 1
        self.first += rank == 1
        self.found += rank is not None
        self.reciprocal_ranks += 1 / rank if rank is not None else 0.0

    @property
    def recall_at_1(self) -> float | None:
        return self.first / self.questions if self.questions else None

    @property
    def recall_at_5(self) -> float | None:
        return self.found / self.questions if self.questions else None

    @property
    def mrr(self) -> float | None:
        return self.reciprocal_ranks / self.questions if self.questions else None


@dataclass(frozen=True, slots=True)
class Miss:
    """A question whose right call is not first; `rank` None when it is not found at all."""

    question: Question
    topic: str
    rank: int | None
    ranking: tuple[str, ...]  # the calls of the snippets, in order of first appearance
    top: Snippet | None


@dataclass
class Report:
    overall: Score = field(default_factory=Score)
    topics: dict[str, Score] = field(default_factory=dict)
    filtered: Score = field(default_factory=Score)  # questions asked within one customer
    calls_per_topic: dict[str, int] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)

    @property
    def meets_target(self) -> bool:
        recall = self.overall.recall_at_5
        return recall is not None and recall >= TARGET_RECALL_AT_5

    @property
    def not_found(self) -> list[Miss]:
        return [m for m in self.misses if m.rank is None]

    @property
    def not_first(self) -> list[Miss]:
        return [m for m in self.misses if m.rank is not None]


def ranking(snippets: Sequence[Snippet]) -> tuple[str, ...]:
    """The calls of `snippets`, each once, in the order they first appear."""
    return tuple(dict.fromkeys(s.call_id for s in snippets))


def score(calls: Sequence[Call], questions: Sequence[Question], search: Search) -> Report:
    """Asks every question through `search` and scores where its call comes."""
    topic_of = {c.call_id: c.topic for c in calls}
    report = Report()
    for call in calls:
        report.calls_per_topic[call.topic] = report.calls_per_topic.get(call.topic, 0) + 1
        report.topics.setdefault(call.topic, Score())
    for question in questions:
        if question.call_id not in topic_of:
            raise ValueError(f"{question.id}: unknown call {question.call_id!r}")
        snippets = search(question)
        ranked = ranking(snippets)
        rank = ranked.index(question.call_id) + 1 if question.call_id in ranked else None
        topic = topic_of[question.call_id]
        for counter in (report.overall, report.topics[topic]):
            counter.add(rank)
        if question.customer_id is not None:
            report.filtered.add(rank)
        if rank != 1:
            top = snippets[0] if snippets else None
            report.misses.append(Miss(question, topic, rank, ranked, top))
    return report


# --- The index --------------------------------------------------------------------------------


def call_chunks(call: Call, tenant: str = TENANT) -> list[Chunk]:
    """The chunks the server's indexer makes of an ended call."""
    segments = [
        TurnSegment(
            seq=seq,
            speaker_identity=s.identity,
            speaker_role=_ROLES[s.role],
            text=s.text,
            start_ms=s.start_ms,
            end_ms=s.end_ms,
        )
        for seq, s in enumerate(call.segments, start=1)
    ]
    turns, _ = cut_turns(segments, call_ended=True)
    return chunks_of(
        turns,
        tenant_id=tenant,
        call_id=call.call_id,
        customer_id=call.customer_id,
        call_started_at_us=int(call.started_at.timestamp()) * 1_000_000,
        first_index=0,
    )


class RetrievalIndex:
    """Calls indexed into a vector store, and questions asked of it as SearchContext asks."""

    def __init__(self, embedder: Embedder, store: VectorStore, tenant: str = TENANT) -> None:
        self.embedder = embedder
        self.store = store
        self.tenant = tenant
        self.chunks = 0
        self.query_seconds: list[float] = []

    def add(self, calls: Sequence[Call]) -> None:
        """Index each call: chunks embedded and upserted one call at a time."""
        for call in calls:
            chunks = call_chunks(call, self.tenant)
            if chunks:
                self.store.upsert(chunks, self.embedder.embed([c.text for c in chunks]))
                self.chunks += len(chunks)

    def search(self, question: Question, limit: int = LIMIT) -> list[Snippet]:
        started = time.perf_counter()
        (vector,) = self.embedder.embed([question.question])
        where = ChunkFilter(customer_id=question.customer_id)
        hits = self.store.search(self.tenant, vector, where=where, limit=limit)
        self.query_seconds.append(time.perf_counter() - started)
        return [_snippet(hit) for hit in hits]

    def best_in_call(self, question: Question) -> Snippet | None:
        """The right call's snippet closest to the question (to show what a miss missed)."""
        (vector,) = self.embedder.embed([question.question])
        where = ChunkFilter(call_id=question.call_id)
        hits = self.store.search(self.tenant, vector, where=where, limit=1)
        return _snippet(hits[0]) if hits else None


def _snippet(hit: ChunkHit) -> Snippet:
    return Snippet(hit.chunk.call_id, hit.chunk.text, hit.score)


# --- Output -----------------------------------------------------------------------------------


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _row(label: str, calls: int | str, s: Score) -> str:
    return (
        f"{label:22} {calls:>5} {s.questions:9} {_ratio(s.recall_at_1):>6} "
        f"{_ratio(s.recall_at_5):>6} {_ratio(s.mrr):>6}"
    )


def _clip(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_report(
    report: Report,
    show_errors: int = 20,
    right_best: Callable[[Question], Snippet | None] | None = None,
) -> list[str]:
    """The report as lines; `right_best` shows the right call's best snippet for each miss."""
    lines = [
        f"{'topic':22} {'calls':>5} {'questions':>9} {'R@1':>6} {'R@5':>6} {'MRR':>6}",
    ]
    for topic in sorted(report.topics):
        lines.append(_row(topic, report.calls_per_topic.get(topic, 0), report.topics[topic]))
    lines.append(_row("overall", sum(report.calls_per_topic.values()), report.overall))
    lines.append(_row("  with customer filter", "", report.filtered))
    lines.append(f"target: recall@5 >= {TARGET_RECALL_AT_5:g}")
    if show_errors <= 0:
        return lines
    not_found = report.not_found
    lines.append(f"misses (right call not among the top-{LIMIT} snippets' calls): {len(not_found)}")
    for miss in not_found[:show_errors]:
        q = miss.question
        scope = f" [customer {q.customer_id}]" if q.customer_id else ""
        lines.append(f"  {q.id}{scope}: {q.question}")
        lines.append(f"    got {', '.join(miss.ranking) or 'nothing'}")
        if miss.top is not None:
            lines.append(
                f"    top {miss.top.score:.3f} {miss.top.call_id}: {_clip(miss.top.text)!r}"
            )
        best = right_best(q) if right_best is not None else None
        if best is not None:
            lines.append(f"    its {best.score:.3f} {best.call_id}: {_clip(best.text)!r}")
    not_first = report.not_first
    lines.append(f"found but not first: {len(not_first)}")
    for miss in not_first[:show_errors]:
        q = miss.question
        lines.append(f"  {q.id} (rank {miss.rank}, first {miss.ranking[0]}): {q.question}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA_PATH)
    parser.add_argument("--show-errors", type=int, default=20, metavar="N")
    parser.add_argument("--check", action="store_true", help="exit 1 when below the target")
    args = parser.parse_args(argv)

    from warmtransfer.rag.embeddings import MiniLMEmbedder
    from warmtransfer.rag.vector_store import open_vector_store

    calls, questions = load_set(args.data)
    started = time.perf_counter()
    embedder = MiniLMEmbedder()
    loaded = time.perf_counter() - started
    with open_vector_store(
        location=":memory:", dimension=embedder.dimension, collection=COLLECTION
    ) as store:
        index = RetrievalIndex(embedder, store)
        started = time.perf_counter()
        index.add(calls)
        built = time.perf_counter() - started
        report = score(calls, questions, index.search)
        customers = len({c.customer_id for c in calls})
        filtered = sum(q.customer_id is not None for q in questions)
        print(
            f"{len(calls)} calls ({len(report.topics)} topics, {customers} customers), "
            f"{index.chunks} chunks; {len(questions)} questions ({filtered} within a customer)"
        )
        for line in format_report(report, args.show_errors, index.best_in_call):
            print(line)
    ms = [t * 1000 for t in index.query_seconds]
    print(
        f"model loaded in {loaded:.2f} s; index built in {built:.2f} s "
        f"({built / max(index.chunks, 1) * 1000:.1f} ms per chunk); per query (embed + search): "
        f"p50 {percentile(ms, 50):.2f} ms, p95 {percentile(ms, 95):.2f} ms, "
        f"max {max(ms, default=float('nan')):.2f} ms (n={len(ms)})"
    )
    if args.check and not report.meets_target:
        print("below target", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
