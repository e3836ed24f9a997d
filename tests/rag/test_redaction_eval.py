"""The PII-redaction evaluation set (bench/redaction_cases.py) and its scorer
(bench/eval_redaction.py), scored here with small fake redactors."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import pytest

from bench.eval_redaction import (
    CASES_PATH,
    Case,
    Label,
    Segment,
    engine_redactor,
    format_report,
    load_cases,
    score,
)
from bench.redaction_cases import (
    aba_ok,
    build_cases,
    iban_ok,
    luhn_ok,
    render,
    spoken_to_digits,
    ssn_ok,
)
from warmtransfer.rag.redaction.model import ENTITY_TYPES, Finding, Revision


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_cases(CASES_PATH)


def positive_cases(cases: Sequence[Case]) -> list[Case]:
    return [c for c in cases if not c.negative]


def texts(case: Case, entity_type: str) -> list[str]:
    return [
        segment.text[label.start : label.end]
        for segment, labels in zip(case.segments, case.labels, strict=True)
        for label in labels
        if label.entity_type == entity_type
    ]


# --- The set ----------------------------------------------------------------------------------


def test_committed_cases_are_what_the_generator_writes() -> None:
    assert CASES_PATH.read_text(encoding="utf-8") == render(build_cases()), (
        "regenerate with: python -m bench.redaction_cases"
    )


def test_spans_are_in_bounds_and_trimmed(cases: list[Case]) -> None:
    assert len(cases) >= 300
    assert len({c.id for c in cases}) == len(cases)
    for case in cases:
        assert case.segments, case.id
        for segment, labels in zip(case.segments, case.labels, strict=True):
            assert segment.speaker in ("caller", "agent"), case.id
            assert segment.text == segment.text.strip() and segment.text, case.id
            end = 0
            for label in labels:
                assert label.entity_type in ENTITY_TYPES, case.id
                assert end <= label.start < label.end <= len(segment.text), case.id
                value = segment.text[label.start : label.end]
                assert value == value.strip(), (case.id, value)
                assert value[-1] not in ",.;:?!", (case.id, value)
                end = label.end


def test_every_type_has_enough_cases(cases: list[Case]) -> None:
    per_type = Counter(
        t
        for c in positive_cases(cases)
        for t in {label.entity_type for s in c.labels for label in s}
    )
    assert {t: per_type[t] for t in ENTITY_TYPES if per_type[t] < 15} == {}


def test_negatives_are_a_quarter_and_unlabelled(cases: list[Case]) -> None:
    negatives = [c for c in cases if c.negative]
    assert len(negatives) >= 0.25 * len(cases)
    for case in cases:
        assert case.negative == case.kind.startswith("negative."), case.id


def test_splits_and_spoken_forms_are_present(cases: list[Case]) -> None:
    forms = Counter(c.kind.rsplit(".", 1)[1] for c in positive_cases(cases))
    assert forms["split_segments"] >= 30
    assert forms["split_turns"] >= 30
    assert forms["spoken"] + forms["spelled"] + forms["numeric_spoken"] >= 100
    assert forms["written"] >= 80
    for case in cases:
        if not case.kind.endswith(("split_segments", "split_turns")):
            continue
        # Two segments of the same speaker carry the same type, with at most one line between.
        labelled = [
            (i, segment.speaker, label.entity_type)
            for i, (segment, labels) in enumerate(zip(case.segments, case.labels, strict=True))
            for label in labels
        ]
        pairs = [
            (a, b)
            for a in labelled
            for b in labelled
            if a[1:] == b[1:] and b[0] - a[0] == (1 if case.kind.endswith("segments") else 2)
        ]
        assert pairs, case.id
        if case.kind.endswith("turns"):
            (i, speaker, _), _ = pairs[0]
            assert case.segments[i + 1].speaker != speaker, case.id


def test_spoken_forms_have_no_digits(cases: list[Case]) -> None:
    for case in cases:
        if case.kind.endswith((".spoken", ".spelled", ".numeric_spoken")):
            for segment, labels in zip(case.segments, case.labels, strict=True):
                for label in labels:
                    assert not re.search(r"\d", segment.text[label.start : label.end]), case.id


def test_values_pass_their_validators(cases: list[Case]) -> None:
    checked = Counter[str]()
    for case in cases:
        for entity_type, valid in (
            ("CREDIT_CARD", luhn_ok),
            ("ROUTING_NUMBER", aba_ok),
            ("IBAN_CODE", iban_ok),
            ("US_SSN", ssn_ok),
        ):
            parts = texts(case, entity_type)
            if not parts:
                continue
            value = "".join(spoken_to_digits(p) for p in parts)
            if entity_type == "US_SSN" and len(value) == 4:
                continue  # the last four, given as such
            assert valid(value), (case.id, parts, value)
            checked[entity_type] += 1
    assert min(checked[t] for t in ("CREDIT_CARD", "ROUTING_NUMBER", "IBAN_CODE", "US_SSN")) >= 15
    assert "078051120" not in {
        "".join(spoken_to_digits(p) for p in texts(c, "US_SSN")) for c in cases
    }


def test_validators_and_spoken_digits() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert aba_ok("011000015") and not aba_ok("011000016")
    assert iban_ok("GB82WEST12345698765432") and not iban_ok("GB83WEST12345698765432")
    assert ssn_ok("123456789") and not ssn_ok("666456789") and not ssn_ok("912456789")
    assert not ssn_ok("078051120")
    said = "four triple one, double oh five, G B eighty two, twelve hundred, ninety"
    assert spoken_to_digits(said) == "4111005GB82120090"


def test_generator_is_deterministic() -> None:
    assert render(build_cases()) == render(build_cases())


def test_generator_does_not_depend_on_the_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """Faker's date helpers count from today; the set must come out the same on any day."""
    import datetime as real

    from faker.providers import date_time

    class FarFuture(real.datetime):
        @classmethod
        def now(cls, tz: real.tzinfo | None = None) -> FarFuture:
            return cls(2071, 3, 9, 12, 0, tzinfo=tz)

    monkeypatch.setattr(date_time, "datetime", FarFuture)
    assert date_time.datetime.now().year == 2071  # type: ignore[attr-defined]
    assert render(build_cases()) == CASES_PATH.read_text(encoding="utf-8")


# --- The scorer -------------------------------------------------------------------------------


def oracle(cases: Sequence[Case]) -> dict[tuple[Segment, ...], list[tuple[Finding, ...]]]:
    return {
        c.segments: [tuple(Finding(x.entity_type, x.start, x.end) for x in s) for s in c.labels]
        for c in cases
    }


def test_labels_as_findings_score_perfectly(cases: list[Case]) -> None:
    answers = oracle(cases)
    report = score(cases, lambda segments: answers[tuple(segments)])
    assert report.recall == 1.0 and report.precision == 1.0
    assert report.overall.type_accuracy == 1.0
    assert report.clean_negative_cases == report.negative_cases > 0
    assert not report.misses and not report.false_positives
    for entity_type in ENTITY_TYPES:
        assert report.types[entity_type].recall == 1.0, entity_type
        assert report.types[entity_type].precision == 1.0, entity_type
    assert report.meets_target


def test_nothing_redacted_is_zero_recall(cases: list[Case]) -> None:
    report = score(cases, lambda segments: [() for _ in segments])
    assert report.recall == 0.0
    assert report.precision is None and report.overall.predicted == 0
    assert len(report.misses) == report.overall.labelled
    assert not report.meets_target


def test_everything_redacted_is_low_precision(cases: list[Case]) -> None:
    report = score(cases, lambda segments: [(Finding("PERSON", 0, len(s.text)),) for s in segments])
    assert report.recall == 1.0
    assert report.precision is not None and report.precision < 0.6
    assert report.types["PERSON"].precision == report.precision
    assert report.clean_negative_cases == 0
    assert not report.meets_target


def one_case(text: str, *labels: Label) -> Case:
    return Case("t-1", "test.spoken", (Segment("caller", text),), (labels,))


def test_partial_coverage_is_a_miss_but_punctuation_is_not() -> None:
    text = "It's (555) 123-4567, call me."
    case = one_case(text, Label("PHONE_NUMBER", 5, 19))
    # All digits covered, "(" and the dash left: nothing leaks.
    pieces = (
        Finding("PHONE_NUMBER", 6, 9),
        Finding("PHONE_NUMBER", 11, 14),
        Finding("PHONE_NUMBER", 15, 19),
    )
    report = score([case], lambda _: [pieces])
    assert report.recall == 1.0 and report.precision == 1.0
    assert report.overall.predicted == 1  # merged: only punctuation and spaces between the pieces
    # The last digit left in clear.
    report = score([case], lambda _: [(Finding("PHONE_NUMBER", 5, 18),)])
    assert report.recall == 0.0 and report.precision == 1.0
    (miss,) = report.misses
    assert miss.leaked == 1 and miss.shown == "█" * 13 + "7"


def test_a_leak_is_a_leak_whatever_the_type() -> None:
    text = "My card is four one one one, one one one one."
    case = one_case(text, Label("CREDIT_CARD", 11, 44))
    report = score([case], lambda _: [(Finding("PHONE_NUMBER", 11, 44),)])
    assert report.recall == 1.0
    assert report.overall.type_accuracy == 0.0
    assert report.types["CREDIT_CARD"].recall == 1.0
    assert report.types["CREDIT_CARD"].type_accuracy == 0.0
    assert report.types["PHONE_NUMBER"].precision == 1.0  # overlaps a labelled entity
    assert report.types["CREDIT_CARD"].precision is None


def test_false_positives_are_listed_and_counted() -> None:
    text = "I was charged $49.99 on March fifth, my name is Ann Lee."
    price, date, name = text.index("49.99"), text.index("March"), text.index("Ann")
    case = one_case(text, Label("PERSON", name, name + 7))
    findings = (
        Finding("CREDIT_CARD", price, price + 5),
        Finding("DATE_OF_BIRTH", date, date + 11),
        Finding("PERSON", name, name + 7),
        Finding("UNKNOWN_TYPE", 100, 120),  # out of bounds: dropped
    )
    report = score([case, case], lambda _: [findings])
    assert report.recall == 1.0
    assert report.overall.predicted == 6 and report.overall.correct == 2
    assert report.types["DATE_OF_BIRTH"].precision == 0.0
    assert [(fp.text, n) for fp, n in report.worst_false_positives(5)] == [
        ("49.99", 2),
        ("March fifth", 2),
    ]
    lines = format_report(report, show_errors=5)
    assert "target: recall >= 0.98, precision >= 0.9" in lines
    assert any("'March fifth' x2" in line for line in lines)


def test_wrong_number_of_segments_is_an_error() -> None:
    case = one_case("hello")
    with pytest.raises(ValueError, match="expected 1"):
        score([case], lambda _: [(), ()])


class FakeCall:
    """Finds "four one one one" and, when a segment of the same speaker continues a number,
    revises the earlier segment as well (as the engine does for a split entity)."""

    def __init__(self) -> None:
        self.last: dict[str, tuple[int, str]] = {}

    def add(self, *, seq: int, speaker: str, text: str) -> list[Revision]:
        revisions = []
        here = [
            Finding("CREDIT_CARD", m.start(), m.end()) for m in re.finditer(r"[a-z ]+one", text)
        ]
        previous = self.last.get(speaker)
        if here and previous is not None:
            prev_seq, prev_text = previous
            whole = (Finding("CREDIT_CARD", 0, len(prev_text)),)
            revisions.append(Revision(prev_seq, "<CREDIT_CARD>", whole))
        revisions.append(Revision(seq, text, tuple(here)))
        self.last[speaker] = (seq, text)
        return revisions


class FakeEngine:
    def __init__(self) -> None:
        self.calls = 0

    def start_call(self) -> FakeCall:
        self.calls += 1
        return FakeCall()


def test_engine_adapter_keeps_the_last_revision_of_each_segment() -> None:
    segments = (
        Segment("caller", "Nine nine"),
        Segment("agent", "Uh-huh."),
        Segment("caller", "four one one one"),
    )
    labels = ((Label("CREDIT_CARD", 0, 9),), (), (Label("CREDIT_CARD", 0, 16),))
    case = Case("t-split", "card.split_turns", segments, labels)
    engine, timings = FakeEngine(), list[float]()
    report = score([case, case], engine_redactor(engine, timings))
    assert engine.calls == 2  # a fresh call per case
    assert len(timings) == 6
    assert report.recall == 1.0 and report.precision == 1.0
