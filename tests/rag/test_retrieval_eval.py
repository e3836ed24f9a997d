"""The call-history retrieval set (bench/retrieval_calls.py) and its evaluation
(bench/eval_retrieval.py): the set is what the generator writes, well formed and paraphrased; the
scorer counts right; and the real index (cut_turns, MiniLM, the in-memory edge store) finds the
right call for at least the target share of the questions."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bench.eval_retrieval import (
    DATA_PATH,
    TARGET_RECALL_AT_5,
    Call,
    Question,
    Report,
    RetrievalIndex,
    Snippet,
    call_chunks,
    format_report,
    load_set,
    main,
    score,
)
from bench.retrieval_calls import build_set, render
from warmtransfer.rag.chunking import MIN_WORDS
from warmtransfer.rag.embeddings import MiniLMEmbedder
from warmtransfer.rag.redaction.model import ENTITY_TYPES
from warmtransfer.rag.vector_store import open_vector_store

SPAN = 5  # words a question may not share in a row with its call's transcript

Dataset = tuple[list[Call], list[Question]]


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_set(DATA_PATH)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())


def spans(text: str, n: int = SPAN) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


# --- The set ----------------------------------------------------------------------------------


def test_committed_set_is_what_the_generator_writes() -> None:
    assert DATA_PATH.read_text(encoding="utf-8") == render(build_set()), (
        "regenerate with: python -m bench.retrieval_calls"
    )
    assert render(build_set()) == render(build_set())


def test_size_and_shape(dataset: Dataset) -> None:
    calls, questions = dataset
    assert len(calls) >= 60 and len(questions) >= 120
    assert len({c.call_id for c in calls}) == len(calls)
    assert len({q.id for q in questions}) == len(questions)
    tag = re.compile(r"<([A-Z_]+)>")
    for call in calls:
        assert 8 <= len(call.segments) <= 16, call.call_id
        assert call.started_at.utcoffset() is not None, call.call_id
        assert {s.role for s in call.segments} == {"caller", "agent"}, call.call_id
        end = 0
        for segment in call.segments:
            assert end < segment.start_ms < segment.end_ms, call.call_id
            end = segment.end_ms
            # Live speech-to-text: lower case, personal data only as the redactor's tags.
            assert set(tag.findall(segment.text)) <= set(ENTITY_TYPES), segment.text
            assert tag.sub("", segment.text) == tag.sub("", segment.text).lower(), segment.text
        # Numbers are spelled out in the first and third call of a topic, digits in the others.
        if call.call_id.endswith(("-01", "-03")):
            assert not any(re.search(r"\d", s.text) for s in call.segments), call.call_id
        identities = {s.role: s.identity for s in call.segments}
        assert all(identities[s.role] == s.identity for s in call.segments), call.call_id


def test_numbers_are_spelled_out_and_written(dataset: Dataset) -> None:
    calls, _ = dataset
    with_digits = [c for c in calls if any(re.search(r"\d", s.text) for s in c.segments)]
    assert len(with_digits) >= 20


def test_each_topic_has_several_calls(dataset: Dataset) -> None:
    calls, _ = dataset
    topics = Counter(c.topic for c in calls)
    assert len(topics) >= 15
    assert {t: n for t, n in topics.items() if n < 3} == {}


def test_customers_have_several_calls(dataset: Dataset) -> None:
    calls, _ = dataset
    per_customer = Counter(c.customer_id for c in calls)
    assert max(per_customer.values()) <= 4
    assert sum(2 <= n <= 4 for n in per_customer.values()) >= 10
    # A customer's calls are in the order they happened.
    for customer in per_customer:
        own = [c.started_at for c in calls if c.customer_id == customer]
        assert own == sorted(own), customer


def test_every_question_names_an_existing_call(dataset: Dataset) -> None:
    calls, questions = dataset
    by_id = {c.call_id: c for c in calls}
    for question in questions:
        assert question.call_id in by_id, question.id
        if question.customer_id is not None:
            assert question.customer_id == by_id[question.call_id].customer_id, question.id
    assert len({q.call_id for q in questions}) == len(calls)  # every call is asked about
    assert sum(q.customer_id is not None for q in questions) >= 20


def test_questions_paraphrase_their_call(dataset: Dataset) -> None:
    calls, questions = dataset
    transcripts = {c.call_id: spans(c.transcript) for c in calls}
    copied = {
        q.id: sorted(" ".join(s) for s in spans(q.question) & transcripts[q.call_id])
        for q in questions
    }
    assert {k: v for k, v in copied.items() if v} == {}


# --- The scorer and the chunks ----------------------------------------------------------------


def oracle(calls: Sequence[Call], questions: Sequence[Question], place: int) -> Report:
    """Scores a search that puts the right call at `place` (1-based) among other calls."""
    others = [c.call_id for c in calls]

    def search(question: Question) -> list[Snippet]:
        before = [c for c in others if c != question.call_id][: place - 1]
        ranked = [*before, question.call_id]
        return [Snippet(call_id, "text", 0.5) for call_id in ranked]

    return score(calls, questions, search)


def test_right_call_first_scores_perfectly(dataset: Dataset) -> None:
    calls, questions = dataset
    report = oracle(calls, questions, 1)
    assert report.overall.recall_at_1 == report.overall.recall_at_5 == report.overall.mrr == 1.0
    assert report.overall.questions == len(questions)
    assert sum(s.questions for s in report.topics.values()) == len(questions)
    assert report.filtered.questions == sum(q.customer_id is not None for q in questions)
    assert not report.misses and report.meets_target


def test_rank_counts_calls_not_snippets(dataset: Dataset) -> None:
    calls, questions = dataset
    report = oracle(calls, questions, 2)
    assert report.overall.recall_at_1 == 0.0 and report.overall.recall_at_5 == 1.0
    assert report.overall.mrr == pytest.approx(0.5)
    assert len(report.not_first) == len(questions) and not report.not_found

    # Three snippets of one other call, then the right one: still second.
    def search(question: Question) -> list[Snippet]:
        other = next(c.call_id for c in calls if c.call_id != question.call_id)
        return [Snippet(other, "a", 0.9)] * 3 + [Snippet(question.call_id, "b", 0.8)]

    assert score(calls, questions, search).overall.mrr == pytest.approx(0.5)


def test_nothing_found_is_a_miss(dataset: Dataset) -> None:
    calls, questions = dataset
    report = score(calls, questions, lambda _: [])
    assert report.overall.recall_at_5 == 0.0 and report.overall.mrr == 0.0
    assert len(report.not_found) == len(questions)
    assert not report.meets_target
    lines = format_report(report, show_errors=3)
    assert f"target: recall@5 >= {TARGET_RECALL_AT_5:g}" in lines
    assert any(
        line.startswith("misses (") and line.endswith(f": {len(questions)}") for line in lines
    )


def test_unknown_call_is_an_error(dataset: Dataset) -> None:
    calls, _ = dataset
    with pytest.raises(ValueError, match="unknown call"):
        score(calls, [Question("q-x", "what?", "no-such-call")], lambda _: [])


def test_chunks_are_the_indexers_turns(dataset: Dataset) -> None:
    calls, _ = dataset
    for call in calls:
        chunks = call_chunks(call)
        assert [c.chunk_index for c in chunks] == list(range(len(chunks)))
        assert all(len(c.text.split()) >= MIN_WORDS for c in chunks), call.call_id
        assert {c.customer_id for c in chunks} == {call.customer_id}
        said = " ".join(s.text for s in call.segments)
        assert all(c.text in said for c in chunks), call.call_id
        # Short turns ("birch", "<PHONE_NUMBER>") are left out, nothing else.
        kept = sum(c.last_seq - c.first_seq + 1 for c in chunks)
        short = sum(len(s.text.split()) < MIN_WORDS for s in call.segments)
        assert kept + short >= len(call.segments), call.call_id


# --- The real index ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index(dataset: Dataset) -> Iterator[RetrievalIndex]:
    calls, _ = dataset
    embedder = MiniLMEmbedder()
    with open_vector_store(
        location=":memory:", dimension=embedder.dimension, collection="retrieval_eval_test"
    ) as store:
        built = RetrievalIndex(embedder, store)
        built.add(calls)
        yield built


@pytest.mark.slow
def test_the_index_finds_the_right_call(dataset: Dataset, index: RetrievalIndex) -> None:
    calls, questions = dataset
    report = score(calls, questions, index.search)
    summary = "\n".join(format_report(report, show_errors=50))
    assert report.overall.recall_at_5 is not None, summary
    assert report.overall.recall_at_5 >= TARGET_RECALL_AT_5, summary
    assert report.filtered.recall_at_5 is not None and report.filtered.recall_at_5 >= 0.9, summary


def test_customer_filter_keeps_to_the_customer(dataset: Dataset, index: RetrievalIndex) -> None:
    calls, questions = dataset
    customer_of = {c.call_id: c.customer_id for c in calls}
    for question in [q for q in questions if q.customer_id is not None][:10]:
        snippets = index.search(question)
        assert snippets and {customer_of[s.call_id] for s in snippets} == {question.customer_id}


def test_main_checks_the_target(
    dataset: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    kept = {c["call_id"] for c in raw["calls"] if c["topic"] == "technical_fault"}
    subset = {
        "calls": [c for c in raw["calls"] if c["call_id"] in kept],
        "questions": [q for q in raw["questions"] if q["call_id"] in kept],
    }
    path = tmp_path / "calls.json"
    path.write_text(json.dumps(subset), encoding="utf-8")
    assert main(["--data", str(path), "--check"]) == 0
    out = capsys.readouterr().out
    assert "4 calls (1 topics, 4 customers)" in out
    assert "target: recall@5 >= 0.9" in out and "p95" in out
