"""A second development set for PII redaction: street addresses as 36 countries write and say
them, from Faker's own address data of each locale.

    python -m bench.redaction_world_addresses  # writes tests/data/redaction/world_addresses.jsonl

The first development set (bench/redaction_cases.py) holds US addresses and a few European
forms; the held-out set (bench/redaction_heldout.py) scores the redactor on addresses it was not
tuned on and must stay unread. This set is for working on addresses in between: the recognizers
may be tuned against it and its misses read. Its sources are apart from the held-out set's: the
addresses are Faker's (the held-out set's are mimesis'), and the sentences were written here.

Every locale used has address data of its own in Faker (not the en_US fallback some locales
use) and writes in Latin script. A value is Faker's `address()` for the locale, its lines joined
with ", " as a person says them in one breath ("Lindenstraße 12, 10115 Berlin"); a street named
without a house number is its `street_name()`.

Forms, as in the other sets: `written` as speech-to-text with smart formatting writes (Faker's
text as is), `spoken` as raw speech-to-text writes (lower case, no punctuation but apostrophes,
hyphens and slashes as spaces, numbers as words: up to four digits as a house number is said,
longer runs digit by digit, letters of a postcode as letters). Labels follow the development
set's conventions (bench/redaction_cases.py): STREET_ADDRESS from the house number (or the street
word) through the postcode and city when they follow in the same breath, and a street named
without a number near a word that places it. About one case in six is negative: cities,
countries, amounts and order numbers, no address.

Deterministic: one seed for the template choices, each Faker instance seeded from it; nothing
reads the clock. A test checks that the committed file is what this module writes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from faker import Faker

from bench.redaction_cases import (
    CaseRecord,
    Part,
    SegmentRecord,
    render,
    say_digits,
    say_house_number,
    segment,
    write_set,
)

__all__ = ["LOCALES", "SEED", "WORLD_ADDRESSES_PATH", "build_cases", "render", "speak"]

SEED = 20261203
WORLD_ADDRESSES_PATH = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "redaction"
) / "world_addresses.jsonl"
LOCALES = (
    "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CH", "fr_CA", "it_IT", "es_ES", "es_MX", "es_AR",
    "es_CL", "es_CO", "pt_PT", "pt_BR", "nl_NL", "nl_BE", "pl_PL", "cs_CZ", "sk_SK", "sv_SE",
    "da_DK", "no_NO", "fi_FI", "hu_HU", "ro_RO", "hr_HR", "sl_SI", "en_GB", "en_IE", "en_AU",
    "en_NZ", "en_CA", "en_US", "en_IN", "id_ID", "en_PH",
)  # fmt: skip
CASES_PER_LOCALE = 6
# Faker draws it_IT's cities from a set, whose order changes with the interpreter's hash seed:
# its negative lines name a region instead, so the set is the same in every process.
_CITY_FROM_A_SET = frozenset({"it_IT"})

A = "STREET_ADDRESS"

# (agent's line or None, the caller's line around the address); {a} is the address.
_FULL = (
    ("What's the address on the account?", "It's {a}."),
    ("Where should we send the replacement?", "To {a}, please."),
    ("Can you confirm your home address?", "Sure, {a}."),
    (None, "My billing address is still {a}, but I've moved since."),
    (None, "The parcel went to {a} instead of my office."),
    ("And the service address?", "{a}, that's the flat above the shop."),
    (None, "Please update it, we live at {a} now."),
    ("Which address is the meter at?", "The meter's at {a}."),
)
_STREET = (
    (None, "We moved to {a} last spring."),
    (None, "The shop is on {a}, next to the bakery."),
    ("Where did the driver leave it?", "Somewhere on {a}, I think."),
    (None, "I live off {a}, the second house after the school."),
    (None, "My mother lives near {a} and never got the letter."),
)
_READBACK = (
    "So that's {a}, correct?",
    "Let me read it back: {a}.",
    "I have {a} on file, is that right?",
)
_NEGATIVE = (
    "I'm calling from {city} about order {order}, it's been three weeks.",
    "We were in {city} on holiday when the charge of {amount} came through.",
    "The branch in {city} told me to call this number instead.",
    "My daughter studies in {country}, can she use the card there?",
    "Is the {city} office open on Saturday, or only during the week?",
)


def speak(text: str) -> str:
    """`text` as raw speech-to-text writes it (see the module docstring)."""
    out: list[str] = []
    for token in re.findall(r"\d+|[^\W\d_]+(?:'[^\W\d_]+)?", text):
        if token.isdigit():
            out.append(say_house_number(int(token)) if len(token) <= 4 else say_digits(token))
        else:
            out.append(token.lower())
    return " ".join(out)


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._fakers: dict[str, Faker] = {}

    def faker(self, locale: str) -> Faker:
        if locale not in self._fakers:
            fake = Faker(locale)
            fake.seed_instance(self.rng.randrange(2**32))
            self._fakers[locale] = fake
        return self._fakers[locale]


def _address(fake: Faker) -> str:
    return ", ".join(line.strip(" ,") for line in fake.address().splitlines() if line.strip(" ,"))


def _line(template: str, value: str, spoken: bool) -> list[Part]:
    """The parts of a line with `{a}` replaced by the labelled value."""
    before, after = template.split("{a}")
    if spoken:
        return [speak(before) + (" " if before else ""), (A, speak(value)), _tail(speak(after))]
    return [before, (A, value), after]


def _tail(spoken_after: str) -> str:
    return f" {spoken_after}" if spoken_after else ""


def _plain(text: str, spoken: bool) -> str:
    return speak(text) if spoken else text


def _case(b: _Builder, locale: str, n: int) -> tuple[str, Callable[[bool], list[SegmentRecord]]]:
    """The family of the locale's `n`th case and a function that writes it in either form."""
    fake = b.faker(locale)
    kind = b.rng.choices(("full", "street", "readback", "negative"), weights=(6, 3, 2, 2))[0]
    if kind == "full":
        question, line = b.rng.choice(_FULL)
        value = _address(fake)
    elif kind == "street":
        question, line = b.rng.choice(_STREET)
        value = fake.street_name()
    elif kind == "readback":
        question, line = None, b.rng.choice(_READBACK)
        value = _address(fake)
    else:
        sentence = b.rng.choice(_NEGATIVE).format(
            city=fake.state() if locale in _CITY_FROM_A_SET else fake.city(),
            country=fake.country(),
            order=b.rng.randrange(10_000, 99_999),
            amount=f"{b.rng.randrange(12, 900)} euros",
        )

        def negative(spoken: bool) -> list[SegmentRecord]:
            return [segment("caller", _plain(sentence, spoken))]

        return "negative", negative

    def write(spoken: bool) -> list[SegmentRecord]:
        if kind == "readback":
            return [
                segment("agent", *_line(line, value, spoken)),
                segment("caller", _plain("Yes, that's it.", spoken)),
            ]
        segments = [segment("agent", _plain(question, spoken))] if question else []
        return [*segments, segment("caller", *_line(line, value, spoken))]

    return kind, write


def build_cases(seed: int = SEED) -> list[CaseRecord]:
    b = _Builder(seed)
    cases: list[CaseRecord] = []
    for locale in LOCALES:
        for n in range(1, CASES_PER_LOCALE + 1):
            family, write = _case(b, locale, n)
            for form in ("written", "spoken"):
                cases.append(
                    CaseRecord(
                        id=f"address.{family}-{locale}-{n}.{form}",
                        kind=f"address.{family}.{form}"
                        if family != "negative"
                        else f"negative.places.{form}",
                        segments=write(form == "spoken"),
                    )
                )
    return cases


def main() -> None:
    write_set(WORLD_ADDRESSES_PATH, build_cases())


if __name__ == "__main__":
    main()
