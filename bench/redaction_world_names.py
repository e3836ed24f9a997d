"""A second development set for PII redaction: people's names of 28 countries, from Faker's own
name lists of each locale, as contact-center calls say them.

    python -m bench.redaction_world_names  # writes tests/data/redaction/world_names.jsonl

The first development set (bench/redaction_cases.py) takes its names from Faker's en_US lists
and a hand-written list; the held-out set (bench/redaction_heldout.py) scores the redactor on
names it was not tuned on and must stay unread. This set is for working on names in between:
the recognizers may be tuned against it and its misses read. Its sources are apart from the
held-out set's: Faker's lists of locales the held-out set does not take from Faker (it takes
these countries' names from mimesis), and sentences written here.

Every locale used has name lists of its own in Faker and writes in Latin script; a full name is
a first and a last name of one gender where the locale has gendered lists.

Forms, as in the other sets: `written` as speech-to-text with smart formatting writes, `spoken`
as raw speech-to-text writes (lower case, no punctuation but apostrophes, hyphens as spaces;
names keep their letters: "zeynelabidin çamurcuoğlu"). Labels follow the development set's
conventions: PERSON is a name as said, first and last together when said together, titles
outside (said as words in the spoken form: "missus", "doctor"), each name of a list its own
span; agents', relatives' and third persons' names count too. About one case in seven is
negative: companies, products, places and weekdays, no name.

Deterministic: one seed for the template choices, each Faker instance seeded from it; nothing
reads the clock. A test checks that the committed file is what this module writes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from faker import Faker

from bench.redaction_cases import CaseRecord, Part, SegmentRecord, render, segment, write_set

__all__ = ["CASES_PER_LOCALE", "LOCALES", "SEED", "WORLD_NAMES_PATH", "build_cases", "render"]

SEED = 20261204
WORLD_NAMES_PATH = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "redaction"
) / "world_names.jsonl"
LOCALES = (
    "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CH", "it_IT", "es_ES", "es_MX", "es_AR", "es_CL",
    "pt_PT", "pt_BR", "nl_NL", "nl_BE", "pl_PL", "cs_CZ", "sk_SK", "sv_SE", "da_DK", "no_NO",
    "fi_FI", "hu_HU", "hr_HR", "tr_TR", "et_EE", "az_AZ", "en_GB", "en_AU",
)  # fmt: skip
CASES_PER_LOCALE = 7

P = "PERSON"

# Each family: (weight, lines); a line is (speaker, text) with {full}, {first}, {last}, {other}
# (a second full name) as the names.
_FAMILIES: dict[str, tuple[int, tuple[tuple[tuple[str, str], ...], ...]]] = {
    "full_answer": (
        3,
        (
            (("agent", "Who am I speaking with today?"), ("caller", "{full}.")),
            (("agent", "Can I take your name?"), ("caller", "Yes, it's {full}.")),
            (("caller", "Hello, this is {full}, calling about my invoice."),),
            (("caller", "My name's {full} and the app keeps logging me out."),),
        ),
    ),
    "surname_answer": (
        2,
        (
            (("agent", "Could I have your surname, please?"), ("caller", "{last}.")),
            (("agent", "And the last name on the account?"), ("caller", "It's {last}.")),
        ),
    ),
    "first_answer": (
        1,
        (
            (("agent", "And your first name?"), ("caller", "{first}.")),
            (("agent", "What should I call you?"), ("caller", "Just {first} is fine.")),
        ),
    ),
    "greeting": (
        2,
        (
            (("agent", "Good morning {first}, thanks for holding."),),
            (("caller", "Hi {first}, it's me again about the refund."),),
            (("agent", "Thanks {first}, I've noted that."),),
        ),
    ),
    "third_party": (
        2,
        (
            (("caller", "My husband {full} opened the account in March."),),
            (("caller", "I spoke to {full} yesterday and she promised a callback."),),
            (("caller", "The card is in my mother's name, {full}."),),
        ),
    ),
    "list": (
        1,
        (
            (("caller", "The account is shared by {full}, {other} and me."),),
            (("caller", "Please add {first} and {other} as authorised users."),),
        ),
    ),
    "title": (
        2,
        (
            (("agent", "Am I speaking with Mrs. {last}?"), ("caller", "Yes, that's me.")),
            (("caller", "Dr. {last} referred me to you last week."),),
            (("agent", "Thank you, Mr. {last}, one moment please."),),
        ),
    ),
    "relation": (
        2,
        (
            (("caller", "My daughter {first} handles the bills now."),),
            (("caller", "Our neighbour {full} has a key to the flat."),),
            (("caller", "My son {first} set up the router for me."),),
        ),
    ),
    "surname_list": (
        1,
        (
            (("caller", "The firm was founded by {last}, {other_last} and {third_last}."),),
            (("agent", "The notes mention {last} and {other_last} from your office."),),
        ),
    ),
    "no_cue": (
        1,
        (
            (("caller", "{first} from your team said it was sorted."),),
            (("caller", "Yesterday {full} told me the refund had gone through."),),
        ),
    ),
    "agent_intro": (
        1,
        (
            (("agent", "You're through to {first}, how can I help?"),),
            (("agent", "Hi, my name is {full}, I'll be looking after you today."),),
        ),
    ),
    "negative": (
        2,
        (
            (("caller", "I bought the {product} at the {city} store on {weekday}."),),
            (("caller", "Is {company} still your partner for the broadband in {city}?"),),
            (("agent", "The {product} ships from {city} on {weekday}."),),
        ),
    ),
}

_PRODUCTS = ("Galaxy Tab", "ThinkPad", "Nespresso Vertuo", "Kindle Paperwhite", "Roomba")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


_TITLES_SAID = {"Mrs.": "missus", "Mr.": "mister", "Dr.": "doctor", "Ms.": "miz"}
_NAME_KEYS = frozenset({"full", "first", "last", "other", "other_last", "third_last"})


def speak(text: str) -> str:
    """`text` as raw speech-to-text writes it (see the module docstring)."""
    for title, said in _TITLES_SAID.items():
        text = text.replace(title, said)
    return " ".join(re.findall(r"[^\W_]+(?:['\u2019][^\W_]+)?", text.replace("-", " "))).lower()


class _Names:
    def __init__(self, fake: Faker, rng: random.Random) -> None:
        self._fake = fake
        self._rng = rng

    def person(self) -> tuple[str, str]:
        female = self._rng.random() < 0.5
        fake = self._fake
        try:
            first = fake.first_name_female() if female else fake.first_name_male()
            last = fake.last_name_female() if female else fake.last_name_male()
        except AttributeError:  # a locale without gendered surnames
            last = fake.last_name()
        return first, last


def _parts(template: str, values: dict[str, str], spoken: bool) -> list[Part]:
    """The parts of a line: plain text and (PERSON, name) for each name placeholder."""
    parts: list[Part] = []
    for piece in re.split(r"(\{\w+\})", template):
        if not piece:
            continue
        key = piece[1:-1] if piece.startswith("{") else None
        if key is None or key not in values:
            parts.append(speak(piece) if spoken else piece)
            continue
        value = speak(values[key]) if spoken else values[key]
        parts.append((P, value) if key in _NAME_KEYS else value)
    if spoken:  # one space between words, none around what was punctuation
        spaced: list[Part] = []
        for part in parts:
            if not (part if isinstance(part, str) else part[1]):
                continue
            if spaced:
                spaced.append(" ")
            spaced.append(part)
        parts = spaced
    return parts


def _case(
    rng: random.Random, names: _Names, fake: Faker, locale: str
) -> tuple[str, Callable[[bool], list[SegmentRecord]]]:
    families = list(_FAMILIES)
    family = rng.choices(families, weights=[_FAMILIES[f][0] for f in families])[0]
    lines = rng.choice(_FAMILIES[family][1])
    first, last = names.person()
    other = names.person()
    values = {
        "full": f"{first} {last}",
        "first": first,
        "last": last,
        "other": " ".join(other),
        "other_last": other[1],
        "third_last": names.person()[1],
        "product": rng.choice(_PRODUCTS),
        "weekday": rng.choice(_WEEKDAYS),
        # Faker draws it_IT's cities from a set (its order follows the hash seed): a region.
        "city": fake.state() if locale == "it_IT" else fake.city(),
        "company": fake.company(),
    }

    def write(spoken: bool) -> list[SegmentRecord]:
        return [segment(speaker, *_parts(text, values, spoken)) for speaker, text in lines]

    return family, write


def build_cases(seed: int = SEED) -> list[CaseRecord]:
    rng = random.Random(seed)
    cases: list[CaseRecord] = []
    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(rng.randrange(2**32))
        names = _Names(fake, rng)
        for n in range(1, CASES_PER_LOCALE + 1):
            family, write = _case(rng, names, fake, locale)
            for form in ("written", "spoken"):
                group = "negative.names" if family == "negative" else f"person.{family}"
                kind = f"{group}.{form}"
                cases.append(
                    CaseRecord(
                        id=f"person.{family}-{locale}-{n}.{form}",
                        kind=kind,
                        segments=write(form == "spoken"),
                    )
                )
    return cases


def main() -> None:
    write_set(WORLD_NAMES_PATH, build_cases())


if __name__ == "__main__":
    main()
