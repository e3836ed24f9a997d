"""The held-out PII-redaction set (bench/redaction_heldout.py -> heldout.jsonl): what the file
holds and how it is made. The redactor is never run on it here (the set stays unseen until it
is frozen and scored as held-out)."""

from __future__ import annotations

import datetime as real_datetime
import inspect
import re
import time
from collections import Counter
from collections.abc import Iterator

import pytest

import bench.redaction_heldout as heldout
from bench.eval_redaction import Case, load_cases
from bench.redaction_heldout import (
    FAKER_NAME_LOCALES,
    HELDOUT_PATH,
    MIMESIS_NAME_LOCALES,
    HeldoutSet,
    build_cases,
    build_set,
    iban_ok,
    luhn_ok,
    render,
    ssn_ok,
    trimmed,
)
from warmtransfer.rag.redaction.model import ENTITY_TYPES

OTHER_TYPES = (
    "PHONE_NUMBER",
    "DATE_OF_BIRTH",
    "EMAIL_ADDRESS",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "IP_ADDRESS",
)


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_cases(HELDOUT_PATH)


@pytest.fixture(scope="module")
def built() -> HeldoutSet:
    return build_set()


def labelled(cases: list[Case]) -> Iterator[tuple[Case, str, str]]:
    """(case, entity type, span text) of every label."""
    for case in cases:
        for segment, labels in zip(case.segments, case.labels, strict=True):
            for label in labels:
                yield case, label.entity_type, segment.text[label.start : label.end]


def form(case: Case) -> str:
    return case.kind.rsplit(".", 1)[1]


# --- Made by the generator, the same on any day -------------------------------------------------


def test_committed_file_is_what_the_generator_writes(built: HeldoutSet) -> None:
    assert HELDOUT_PATH.read_text(encoding="utf-8") == render(built.cases), (
        "regenerate with: python -m bench.redaction_heldout"
    )


@pytest.mark.parametrize(
    "fake_day", [real_datetime.date(2031, 2, 28), real_datetime.date(1999, 12, 31)]
)
def test_the_set_is_the_same_on_other_days(
    monkeypatch: pytest.MonkeyPatch, fake_day: real_datetime.date
) -> None:
    from faker.providers import date_time

    class FakeDate(real_datetime.date):
        @classmethod
        def today(cls) -> FakeDate:
            return cls(fake_day.year, fake_day.month, fake_day.day)

    class FakeDatetime(real_datetime.datetime):
        @classmethod
        def now(cls, tz: real_datetime.tzinfo | None = None) -> FakeDatetime:
            return cls(fake_day.year, fake_day.month, fake_day.day, 9, 30, tzinfo=tz)

        @classmethod
        def today(cls) -> FakeDatetime:
            return cls.now()

    epoch = FakeDatetime.now(real_datetime.UTC).timestamp()
    monkeypatch.setattr(real_datetime, "date", FakeDate)
    monkeypatch.setattr(real_datetime, "datetime", FakeDatetime)
    monkeypatch.setattr(date_time, "datetime", FakeDatetime)
    monkeypatch.setattr(heldout, "date", FakeDate)
    monkeypatch.setattr(time, "time", lambda: epoch)
    assert real_datetime.date.today() == fake_day
    assert render(build_cases()) == HELDOUT_PATH.read_text(encoding="utf-8")


def test_nothing_reads_the_clock() -> None:
    source = inspect.getsource(heldout)
    assert not re.search(
        r"\.today\(|\.now\(|\.utcnow\(|time\.time\(|\.date_between|\.past_date", source
    )
    assert real_datetime.date(2026, 11, 25) == heldout.REFERENCE_DAY


def test_other_seeds_make_other_sets() -> None:
    assert render(build_cases(seed=heldout.SEED + 1)) != render(build_cases())


# --- Labels ---------------------------------------------------------------------------------------


def test_ids_are_unique_and_match_kinds(cases: list[Case]) -> None:
    assert len({c.id for c in cases}) == len(cases)
    for case in cases:
        family_n, case_form = case.id.rsplit(".", 1)
        family, n = family_n.rsplit("-", 1)
        assert case.kind == f"{family}.{case_form}", case.id
        assert case_form in ("written", "spoken") and re.fullmatch(r"\d{3}", n), case.id


def test_spans_lie_in_their_segment_and_are_trimmed(cases: list[Case]) -> None:
    for case in cases:
        assert 1 <= len(case.segments) <= 4, case.id
        for segment, labels in zip(case.segments, case.labels, strict=True):
            assert segment.speaker in ("caller", "agent"), case.id
            assert segment.text and segment.text == segment.text.strip(), case.id
            end = 0
            for label in labels:
                assert label.entity_type in ENTITY_TYPES, case.id
                assert end <= label.start < label.end <= len(segment.text), case.id
                value = segment.text[label.start : label.end]
                # No leading or trailing space or punctuation (a phone number may open with
                # its area code's parenthesis: "(937) 555-0142").
                assert trimmed(label.entity_type, value), (case.id, value)
                assert value == value.strip() and value[-1] not in ",.;:?!'\"-)", (case.id, value)
                end = label.end


def test_every_case_comes_in_both_forms_with_the_same_labels(cases: list[Case]) -> None:
    by_id = {c.id: c for c in cases}
    for case in cases:
        if form(case) != "written":
            continue
        twin = by_id[case.id.removesuffix(".written") + ".spoken"]
        assert [s.speaker for s in twin.segments] == [s.speaker for s in case.segments]
        assert [[x.entity_type for x in s] for s in twin.labels] == [
            [x.entity_type for x in s] for s in case.labels
        ], case.id
    assert Counter(form(c) for c in cases) == {
        "written": len(cases) // 2,
        "spoken": len(cases) // 2,
    }


def test_spoken_forms_are_raw_speech_to_text(cases: list[Case]) -> None:
    for case in cases:
        if form(case) != "spoken":
            continue
        for segment in case.segments:
            text = segment.text
            assert text == text.lower(), (case.id, text)
            assert not re.search(r"\d", text), (case.id, text)
            assert all(ch.isalpha() or ch in " '," for ch in text), (case.id, text)
            assert "  " not in text, case.id


def test_written_forms_are_formatted(cases: list[Case]) -> None:
    for case in cases:
        if form(case) == "written":
            for segment in case.segments:
                first = segment.text[0]
                assert first.isupper() or first.isdigit() or first == "(", (case.id, segment)
                assert segment.text[-1] in ".?!", (case.id, segment.text)


def test_values_pass_their_validators(cases: list[Case]) -> None:
    for case, entity_type, value in labelled(cases):
        if form(case) != "written":
            continue
        if entity_type == "CREDIT_CARD":
            assert luhn_ok(value), (case.id, value)
        elif entity_type == "US_SSN":
            assert ssn_ok(value) and re.fullmatch(r"\d{3}-\d{2}-\d{4}", value), (case.id, value)
        elif entity_type == "IBAN_CODE":
            assert iban_ok(value), (case.id, value)
        elif entity_type == "IP_ADDRESS":
            assert all(0 <= int(o) <= 255 for o in value.split(".")), (case.id, value)
        elif entity_type == "PHONE_NUMBER":
            digits = re.sub(r"\D", "", value)
            assert len(digits) == 10 and digits[0] in "23456789", (case.id, value)
            assert digits[3] in "23456789", (case.id, value)
        elif entity_type == "EMAIL_ADDRESS":
            assert re.fullmatch(r"[a-z0-9._]+@[a-z0-9-]+(\.[a-z]+)+", value), (case.id, value)


def test_validators() -> None:
    assert luhn_ok("4539 1488 0343 6467") and not luhn_ok("4539 1488 0343 6468")
    assert ssn_ok("219-09-9999")
    assert not any(ssn_ok(s) for s in ("000-12-3456", "666-12-3456", "912-12-3456"))
    assert not any(ssn_ok(s) for s in ("123-00-4567", "123-45-0000", "078-05-1120"))
    assert iban_ok("DE89 3704 0044 0532 0130 00") and not iban_ok("DE88 3704 0044 0532 0130 00")
    assert iban_ok("GB82 WEST 1234 5698 7654 32")


def test_numbers_as_words() -> None:
    assert heldout.paired(1187) == "eleven eighty seven"
    assert heldout.paired(405) == "four oh five"
    assert heldout.paired(2005) == "two thousand five"
    assert heldout.paired(1200) == "twelve hundred"
    assert heldout.paired(1984) == "nineteen eighty four"
    assert heldout.ordinal(23) == "twenty third" and heldout.ordinal(30) == "thirtieth"
    assert heldout.say_chars("L6U 0A8") == "l six u oh a eight"


# --- Composition --------------------------------------------------------------------------------


def test_composition(cases: list[Case]) -> None:
    per_type = Counter(entity_type for _, entity_type, _ in labelled(cases))
    assert per_type["PERSON"] >= 240
    assert per_type["STREET_ADDRESS"] >= 110
    assert {t: per_type[t] for t in OTHER_TYPES if per_type[t] < 8} == {}
    kinds = Counter(c.kind.rsplit(".", 1)[0] for c in cases)
    for family in (
        "person.full_cue",
        "person.surname_answer",
        "person.first_answer",
        "person.greeting",
        "person.list",
        "person.mid_sentence",
        "person.title",
        "person.third_party",
        "person.agent",
        "person.non_ascii",
        "address.us_full",
        "address.intl_full",
        "address.number_street",
        "address.street_only",
    ):
        assert kinds[family] >= 20, family  # at least ten source cases, in both forms
    assert 250 <= len(cases) // 2 <= 400


def test_negatives_are_about_fifteen_percent_and_unlabelled(cases: list[Case]) -> None:
    negatives = [c for c in cases if c.negative]
    assert 0.12 * len(cases) <= len(negatives) <= 0.2 * len(cases)
    for case in cases:
        assert case.negative == case.kind.startswith("negative."), case.id


def test_names_come_from_many_locales_and_not_from_faker_en_us(built: HeldoutSet) -> None:
    assert len(built.name_locales) >= 20
    assert set(built.name_locales) <= {*MIMESIS_NAME_LOCALES, *FAKER_NAME_LOCALES}
    assert not {"en_US", "en", "en-us"} & set(built.name_locales)
    assert len({loc for loc in built.name_locales if loc in FAKER_NAME_LOCALES}) >= 10
    assert len({loc for loc in built.name_locales if loc in MIMESIS_NAME_LOCALES}) >= 10


def test_names_have_letters_beyond_english(cases: list[Case]) -> None:
    names = [v for _, t, v in labelled(cases) if t == "PERSON"]
    assert len([v for v in names if not v.isascii()]) >= 60


def test_spoken_names_are_the_written_ones_lowercased(cases: list[Case]) -> None:
    """ "Þórunn Sigurðardóttir" is said "þórunn sigurðardóttir", "Pai-Jui" "pai jui"."""
    by_id = {c.id: c for c in cases}
    pairs = 0
    for case in cases:
        if form(case) != "written":
            continue
        twin = by_id[case.id.removesuffix(".written") + ".spoken"]
        written = [v for _, t, v in labelled([case]) if t == "PERSON"]
        spoken = [v for _, t, v in labelled([twin]) if t == "PERSON"]
        expected = [
            " ".join(v.replace("İ", "i").lower().replace("-", " ").split()) for v in written
        ]
        assert spoken == expected, case.id
        pairs += sum(not v.isascii() for v in spoken)
    assert pairs >= 30


def test_streets_without_numbers_are_labelled(cases: list[Case]) -> None:
    streets = [
        v
        for c, t, v in labelled(cases)
        if t == "STREET_ADDRESS" and c.kind.startswith("address.street_only")
    ]
    assert len(streets) >= 40
    assert not any(re.search(r"\d", v) for v in streets)
