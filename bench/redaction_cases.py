"""The labelled PII-redaction evaluation set: short contact-center snippets as live speech-to-text
writes them, with the personal data in each segment labelled by entity type.

    python -m bench.redaction_cases        # rewrites tests/data/redaction/cases.jsonl

The output is deterministic (Faker and the template choices run on one fixed seed), so the file
is committed and a test checks it is what this module produces. One case per line:

    {"id": "card.spoken-003", "kind": "card.spoken",
     "segments": [{"speaker": "caller", "text": "...",
                   "entities": [{"type": "CREDIT_CARD", "start": 17, "end": 59}]}, ...]}

`kind` is the template family, `<family>.<form>`. The `spoken`, `spelled` and `numeric_spoken`
forms say numbers, letters and symbols as words ("four one one one", "oh", "double five",
"john dot smith at gmail dot com", "S M I T H", "oh three, oh five, eighty four"); `written`
forms use digits and symbols ("4111 1111 1111 1111", "(555) 123-4567", "123-45-6789");
`split_segments` puts one entity over two consecutive segments of one speaker, `split_turns` over
two turns of one speaker with a short line of the other in between ("Uh-huh."), each part
labelled in its own segment with the entity's type; `readback` is the agent reading a value
back. Other forms mix these (`full_payment`: card, expiry and CVV over five turns). Values are
valid where a validator exists: card numbers pass Luhn, routing numbers the ABA checksum, IBANs
their check digits, SSNs the SSA's rules (no area 000, 666 or 9xx, no group 00 or serial 0000,
not the Woolworth's wallet sample 078-05-1120). Many positive cases also carry prices, dates and
counts that are not personal data. Families named `negative.*` have no entities at all.

Labelling conventions (what a span covers, and what is not personal data here):

- A span is the value only, never the cue: "my card number is <4111 ...>", "expires <04/27>".
  It has no leading or trailing space or punctuation; inner punctuation is kept ("<five five five,
  one two three, four five six seven>", "<March fifth, nineteen eighty four>").
- PERSON: a person's name as said, first and last together when said together ("<Maria Lopez>");
  titles are outside ("Mrs. <Lopez>"); a spelled name is its own span ("<S M I T H>",
  "<s-m-i-t-h>", "<K as in kilo, I, M>"). Agents' names count as well: a name is a name.
- EMAIL_ADDRESS: the whole address, written or spoken ("<john dot smith at gmail dot com>").
- STREET_ADDRESS: from the house number through the street suffix, plus the unit, city, state
  and ZIP code when they follow in the same breath ("<123 Main St, Apt 4B, Springfield, IL
  62704>"). A street named without a house number is one too ("our store on <Main Street>",
  "we moved to <Rue des Lilas>"): it narrows where someone lives or works, and a redactor cannot
  tell a customer's street from a shop's. A city alone ("I'm in Denver") and a corner ("Main and
  Fifth") are not addresses.
- DATE_OF_BIRTH: a date said as someone's date of birth (the cue is a question about it or "I was
  born"). Other dates (bills, orders, appointments, "since 2019") and ages are not.
- CREDIT_CARD: a full card number. The last four digits of a card or a bank account ("the card
  ending in 4242") are not redacted: receipts and statements print them (PCI DSS allows it) and
  the next agent needs them to find the charge.
- US_SSN: the full number, and also its last four digits when given as such ("the last four of my
  social are <6789>"): unlike a card's last four, they are a verification secret.
- CARD_CVV, CARD_EXPIRY, PIN: the digits only ("security code <317>", "expires <oh four twenty
  seven>", "my PIN is <4421>").
- US_BANK_NUMBER is a bank account number (checking, savings, direct debit); ACCOUNT_ID is an
  identifier with a company other than a bank: member IDs, policy numbers, customer, subscriber
  and loyalty numbers, with or without letters ("<MBR-4417-2290>").
- IP_ADDRESS: any IPv4 address, public or private. PASSPORT: a passport number (9 digits, or a
  letter and 8 digits).
- Not personal data, and left in: order, case, ticket and tracking numbers, extensions, toll-free
  numbers of businesses, prices, quantities, durations, times, percentages, product and model
  names and numbers, version numbers, error codes, weekdays, hotel rooms and flights, company and
  brand names (Dell, Wells Fargo, Alexa), ages, and keypresses in a phone menu.
"""

from __future__ import annotations

import functools
import json
import random
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TypedDict, TypeVar

from faker import Faker

from warmtransfer.rag.redaction.model import ENTITY_TYPES

__all__ = [
    "CASES_PATH",
    "SEED",
    "CaseRecord",
    "EntityLabel",
    "SegmentRecord",
    "aba_ok",
    "build_cases",
    "iban_ok",
    "luhn_ok",
    "render",
    "spoken_to_digits",
    "ssn_ok",
    "write_cases",
    "write_set",
]

T = TypeVar("T")

SEED = 20250611
# The day ages are counted from (dates of birth): fixed, so the set is the same on any day.
REFERENCE_DAY = date(2026, 11, 25)
CASES_PATH = Path(__file__).resolve().parent.parent / "tests" / "data" / "redaction" / "cases.jsonl"


class EntityLabel(TypedDict):
    type: str
    start: int
    end: int


class SegmentRecord(TypedDict):
    speaker: str
    text: str
    entities: list[EntityLabel]


class CaseRecord(TypedDict):
    id: str
    kind: str
    segments: list[SegmentRecord]


# A piece of a segment's text: plain text, or (entity type, text) for a labelled span.
Part = str | tuple[str, str]


def segment(speaker: str, *parts: Part) -> SegmentRecord:
    text, entities = "", []
    for part in parts:
        if isinstance(part, str):
            text += part
            continue
        entity_type, value = part
        value = value if text else cap(value)
        assert entity_type in ENTITY_TYPES, entity_type
        assert value and value == value.strip(), repr(value)
        entities.append(EntityLabel(type=entity_type, start=len(text), end=len(text) + len(value)))
        text += value
    assert text == text.lstrip(), repr(text)
    return SegmentRecord(speaker=speaker, text=text.rstrip(), entities=entities)


def caller(*parts: Part) -> SegmentRecord:
    return segment("caller", *parts)


def agent(*parts: Part) -> SegmentRecord:
    return segment("agent", *parts)


def cap(text: str) -> str:
    """Speech-to-text capitalizes the first word of a segment."""
    return text[:1].upper() + text[1:]


# --- Numbers as words -------------------------------------------------------------------------

ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEENS = (
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)  # fmt: skip
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
ORDINALS = (
    "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth",
)  # fmt: skip
MONTHS = (
    "", "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def below_100(n: int, hyphen: bool = False) -> str:
    if n < 10:
        return ONES[n]
    if n < 20:
        return TEENS[n - 10]
    tens, unit = divmod(n, 10)
    return TENS[tens] + ("" if unit == 0 else ("-" if hyphen else " ") + ONES[unit])


def cardinal(n: int, hyphen: bool = False) -> str:
    """1234 -> "one thousand two hundred thirty four"."""
    if n < 100:
        return below_100(n, hyphen)
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{ONES[hundreds]} hundred" + (f" {below_100(rest, hyphen)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{cardinal(thousands, hyphen)} thousand" + (
        f" {cardinal(rest, hyphen)}" if rest else ""
    )


def pair(n: int, hyphen: bool = False) -> str:
    """A two-digit chunk as said in years and house numbers: 5 -> "oh five", 84 -> "eighty four"."""
    return f"oh {ONES[n]}" if n < 10 else below_100(n, hyphen)


def say_year(year: int, hyphen: bool = False) -> str:
    if 2000 <= year <= 2009:
        return "two thousand" + ("" if year == 2000 else f" {ONES[year - 2000]}")
    high, low = divmod(year, 100)
    return f"{below_100(high)} " + ("hundred" if low == 0 else pair(low, hyphen))


def say_house_number(n: int, hyphen: bool = False) -> str:
    """123 -> "one twenty three", 4517 -> "forty five seventeen", 1200 -> "twelve hundred"."""
    if n < 100:
        return below_100(n, hyphen)
    if n >= 10000:
        return say_digits(str(n), zero="oh")
    high, low = divmod(n, 100)
    head = ONES[high] if high < 10 else below_100(high, hyphen)
    return f"{head} " + ("hundred" if low == 0 else pair(low, hyphen))


def ordinal(n: int, hyphen: bool = False) -> str:
    if n <= 20:
        return ORDINALS[n]
    tens, unit = divmod(n, 10)
    if unit == 0:
        return TENS[tens][:-1] + "ieth"
    return TENS[tens] + ("-" if hyphen else " ") + ORDINALS[unit]


def ordinal_suffix(n: int) -> str:
    if 11 <= n % 100 <= 13:
        return f"{n}th"
    return f"{n}" + {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def say_digits(digits: str, zero: str = "zero", doubles: bool = False) -> str:
    """ "4111" -> "four one one one" (or "four triple one"); letters are said as capitals."""
    words: list[str] = []
    i = 0
    while i < len(digits):
        char, run = digits[i], 1
        while doubles and i + run < len(digits) and digits[i + run] == char:
            run += 1
        word = char.upper() if char.isalpha() else (zero if char == "0" else ONES[int(char)])
        left = run
        while left:
            if char.isdigit() and left >= 3 and left != 4:
                words.append(f"triple {word}")
                left -= 3
            elif char.isdigit() and left >= 2:
                words.append(f"double {word}")
                left -= 2
            else:
                words.append(word)
                left -= 1
        i += run
    return " ".join(words)


def say_groups(
    groups: Sequence[str], zero: str = "zero", doubles: bool = False, sep: str = ", "
) -> str:
    return sep.join(say_digits(g, zero, doubles) for g in groups)


_WORD_DIGITS = {w: str(i) for i, w in enumerate(ONES)} | {"oh": "0"}
_TEEN_DIGITS = {w: str(10 + i) for i, w in enumerate(TEENS)}
_TENS_DIGITS = {w: str(i) for i, w in enumerate(TENS) if w}


def spoken_to_digits(text: str) -> str:
    """The digits and capital letters said in `text`, for checking generated values:
    "four triple one, G B eighty two" -> "41111GB82". Other words ("dash", "dot") are dropped."""
    tokens = re.findall(r"\d|[A-Za-z]+", text)
    out: list[str] = []
    repeat = 1
    i = 0
    while i < len(tokens):
        token, low = tokens[i], tokens[i].lower()
        if low in ("double", "triple"):
            repeat = 2 if low == "double" else 3
            i += 1
            continue
        if token.isdigit():
            out.append(token * repeat)
        elif low in _WORD_DIGITS:
            out.append(_WORD_DIGITS[low] * repeat)
        elif low in _TEEN_DIGITS:
            out.append(_TEEN_DIGITS[low])
        elif low in _TENS_DIGITS:
            following = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
            if following in _WORD_DIGITS and following not in ("zero", "oh"):
                out.append(_TENS_DIGITS[low] + _WORD_DIGITS[following])
                i += 1
            else:
                out.append(_TENS_DIGITS[low] + "0")
        elif low == "hundred":
            out.append("00")
        elif token.isupper():
            out.append(token)
        repeat = 1
        i += 1
    return "".join(out)


# --- Validators -------------------------------------------------------------------------------


def luhn_ok(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(number)):
        d = int(char) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def aba_ok(number: str) -> bool:
    if len(number) != 9 or not number.isdigit():
        return False
    d = [int(c) for c in number]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def _iban_number(text: str) -> int:
    return int("".join(str(int(c, 36)) for c in text))


def iban_ok(iban: str) -> bool:
    return len(iban) > 4 and iban.isalnum() and _iban_number(iban[4:] + iban[:4]) % 97 == 1


def ssn_ok(ssn: str) -> bool:
    if len(ssn) != 9 or not ssn.isdigit():
        return False
    area, group, serial = int(ssn[:3]), int(ssn[3:5]), int(ssn[5:])
    return (
        0 < area < 900 and area != 666 and group > 0 and serial > 0
        and ssn not in ("078051120", "219099999")
    )  # fmt: skip


# --- Word lists -------------------------------------------------------------------------------

STREETS = (
    "Main", "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park", "Sunset",
    "Highland", "Lincoln", "Jefferson", "Franklin", "Church", "Walnut", "Willow", "River",
    "Spring", "Chestnut", "Ridge", "Meadow", "Forest", "Mill", "Cherry", "Dogwood", "Magnolia",
    "Birch", "Hickory",
)  # fmt: skip
SUFFIXES = (
    ("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Drive", "Dr"), ("Lane", "Ln"),
    ("Court", "Ct"), ("Boulevard", "Blvd"), ("Way", "Way"), ("Place", "Pl"), ("Circle", "Cir"),
)  # fmt: skip
CITIES = (
    ("Springfield", "Illinois", "IL", "627"), ("Columbus", "Ohio", "OH", "432"),
    ("Austin", "Texas", "TX", "787"), ("Denver", "Colorado", "CO", "802"),
    ("Portland", "Oregon", "OR", "972"), ("Tampa", "Florida", "FL", "336"),
    ("Raleigh", "North Carolina", "NC", "276"), ("Phoenix", "Arizona", "AZ", "850"),
    ("Sacramento", "California", "CA", "958"), ("Albany", "New York", "NY", "122"),
    ("Nashville", "Tennessee", "TN", "372"), ("Boise", "Idaho", "ID", "837"),
    ("Richmond", "Virginia", "VA", "232"), ("Omaha", "Nebraska", "NE", "681"),
)  # fmt: skip
DOMAINS = (
    "gmail.com", "gmail.com", "gmail.com", "yahoo.com", "hotmail.com", "outlook.com",
    "icloud.com", "aol.com", "comcast.net",
)  # fmt: skip
COMPANIES = (
    "Northwind Mobile", "Brightline Energy", "Summit Health", "Cascade Insurance",
    "Lumen Home Internet", "Bluebird Travel",
)  # fmt: skip
BANKS = ("Chase", "Wells Fargo", "Bank of America", "Citibank", "US Bank", "PNC", "Capital One")
BACKCHANNELS = (
    "Uh-huh.", "Mm-hmm.", "Go on.", "Okay.", "Yep.", "Got it, go ahead.", "Okay, go on.",
    "Mhm.", "Right.", "Sure, go ahead.",
)  # fmt: skip
PHONETIC = {
    "A": "apple", "B": "boy", "C": "cat", "D": "dog", "E": "echo", "F": "frank", "G": "george",
    "H": "henry", "J": "john", "K": "kilo", "L": "lima", "M": "mary", "N": "nancy", "P": "paul",
    "R": "robert", "S": "sam", "T": "tom", "V": "victor", "W": "william", "Z": "zebra",
}  # fmt: skip
TOLL_FREE = ("800", "888", "877", "866", "855", "844", "833")


@dataclass(frozen=True, slots=True)
class Address:
    number: int
    street: str
    suffix: tuple[str, str]
    unit: tuple[str, str] | None  # ("apartment", "4B")
    city: tuple[str, str, str, str]
    zip_code: str

    def line(self, spoken: bool, abbreviate: bool = False) -> str:
        number = say_house_number(self.number) if spoken else str(self.number)
        suffix = self.suffix[1] if abbreviate and not spoken else self.suffix[0]
        return f"{number} {self.street} {suffix}"

    def unit_text(self, spoken: bool) -> str:
        assert self.unit is not None
        kind, ident = self.unit
        if not spoken:
            short = {"apartment": "Apt", "unit": "Unit", "suite": "Suite"}[kind]
            return f"{short} {ident}"
        digits = "".join(c for c in ident if c.isdigit())
        letters = ident[len(digits) :]
        said = say_house_number(int(digits)) if digits else ""
        return " ".join(p for p in (kind, said, letters) if p)

    def city_text(self, spoken: bool, with_zip: bool) -> str:
        city, state, abbr, _ = self.city
        if spoken:
            zip_part = f", {say_digits(self.zip_code, 'oh')}" if with_zip else ""
            return f"{city}, {state}{zip_part}"
        return f"{city}, {abbr}" + (f" {self.zip_code}" if with_zip else "")


class Builder:
    """Values and phrasings, all drawn from one seeded source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.kind = ""  # the family being built: `deal` keeps one deck per family
        self.decks: dict[tuple[str, int], list[int]] = {}

    # Small helpers.

    def pick(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def deal(self, options: Sequence[T]) -> T:
        """Like `pick`, but a family goes through all its templates before repeating one."""
        key = (self.kind, len(options))
        deck = self.decks.get(key)
        if not deck:
            deck = list(range(len(options)))
            self.rng.shuffle(deck)
            self.decks[key] = deck
        return options[deck.pop()]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def digits(self, n: int, lead_zero: bool = True) -> str:
        first = str(self.rng.randint(0 if lead_zero else 1, 9))
        return first + "".join(str(self.rng.randint(0, 9)) for _ in range(n - 1))

    def zero(self) -> str:
        return self.pick(("oh", "oh", "zero"))

    def say(self, groups: Sequence[str], doubles: float = 0.3) -> str:
        return say_groups(
            groups, self.zero(), self.chance(doubles), sep=self.pick((", ", ", ", " "))
        )

    def back(self) -> SegmentRecord:
        return agent(self.pick(BACKCHANNELS))

    def company(self) -> str:
        return self.pick(COMPANIES)

    def aside(self) -> str:
        """A sentence with numbers and dates that are not personal data."""
        cents = self.pick(("99", "50", "95", "00", "49"))
        day = ordinal(self.rng.randint(1, 28))
        return self.pick(
            (
                f"I was charged ${self.rng.randint(20, 199)}.{cents} twice this month",
                f"I've been on hold for {below_100(self.rng.randint(15, 55))} minutes",
                "this is the third time I'm calling this week",
                f"my bill went up {below_100(self.rng.choice((10, 12, 15, 20, 25)))} percent",
                f"I've had the plan since {self.rng.randint(2012, 2023)}",
                f"it's been down since last {self.pick(('Monday', 'Tuesday', 'Thursday'))}",
                f"the charge on {self.pick(MONTHS[1:])} {day} is wrong",
                "it's about the X200 router",
                f"I ordered {self.pick(('two', 'three', 'four'))} of them and got one",
                f"my card ending in {self.digits(4)} was charged twice",
            )
        )

    def maybe_aside(self, p: float = 0.3) -> str:
        return cap(self.aside()) + ". " if self.chance(p) else ""

    # Values.

    def name(self, female: bool | None = None) -> tuple[str, str]:
        while True:
            if female is None:
                first = self.fake.first_name()
            else:
                first = self.fake.first_name_female() if female else self.fake.first_name_male()
            last = self.fake.last_name()
            if first.isalpha() and last.isalpha() and len(last) >= 3:
                return first, last

    def titled_name(self) -> tuple[str, str, str]:
        """(title, first, last) with a title that fits the first name."""
        female = self.chance(0.5)
        first, last = self.name(female)
        return self.pick(("Ms.", "Mrs.")) if female else "Mr.", first, last

    def card(self) -> list[str]:
        kind = self.pick(("visa16", "visa16", "mastercard", "mastercard", "discover", "amex"))
        number = str(self.fake.credit_card_number(card_type=kind))
        assert luhn_ok(number), number
        sizes = (4, 6, 5) if len(number) == 15 else (4, 4, 4, 4)
        groups, at = [], 0
        for size in sizes:
            groups.append(number[at : at + size])
            at += size
        return groups

    def card_text(self, groups: Sequence[str], spoken: bool) -> str:
        if spoken:
            return self.say(groups, doubles=0.35)
        return self.pick((" ", " ", "-", "")).join(groups)

    def phone(self) -> list[str]:
        while True:
            area = f"{self.rng.randint(2, 9)}{self.rng.randint(0, 8)}{self.rng.randint(0, 9)}"
            exchange = f"{self.rng.randint(2, 9)}{self.digits(2)}"
            if area[1:] != "11" and exchange[1:] != "11" and area not in TOLL_FREE:
                return [area, exchange, self.digits(4)]

    def phone_written(self, groups: Sequence[str]) -> str:
        a, e, n = groups
        return self.pick((f"({a}) {e}-{n}", f"{a}-{e}-{n}", f"{a} {e} {n}", f"{a}.{e}.{n}"))

    def email(self, first: str, last: str) -> tuple[str, str]:
        """(written, spoken) address for this person."""
        first, last = first.lower(), last.lower()
        number = self.pick((str(self.rng.randint(60, 99)), self.digits(1), self.digits(2, False)))
        style = self.rng.randrange(6)
        tokens: list[str] = {
            0: [first, ".", last],
            1: [first[0], last],
            2: [first, last[0], number],
            3: [first, "_", last],
            4: [last, ".", first, number],
            5: [first[0], ".", last, number],
        }[style]
        domain = self.pick(DOMAINS)
        written = "".join(tokens) + "@" + domain
        spoken_tokens = []
        for token in tokens:
            if token == ".":
                spoken_tokens.append("dot")
            elif token == "_":
                spoken_tokens.append("underscore")
            elif token.isdigit():
                value = int(token)
                spoken_tokens.append(
                    below_100(value) if value >= 10 and self.chance(0.6) else say_digits(token)
                )
            else:
                spoken_tokens.append(token.capitalize() if self.chance(0.25) else token)
        spoken = " ".join(spoken_tokens) + " at " + domain.replace(".", " dot ")
        return written, spoken

    def ssn(self) -> str:
        while True:
            value = f"{self.rng.randint(1, 899):03d}{self.rng.randint(1, 99):02d}"
            value += f"{self.rng.randint(1, 9999):04d}"
            if ssn_ok(value):
                return value

    def bank_account(self) -> str:
        return self.digits(self.rng.choice((8, 9, 10, 10, 11, 12)), lead_zero=False)

    def routing(self) -> str:
        prefix = self.rng.choice((*range(1, 13), *range(21, 33)))
        head = f"{prefix:02d}" + self.digits(6)
        d = [int(c) for c in head]
        check = -(3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5]) % 10
        value = head + str(check)
        assert aba_ok(value), value
        return value

    def iban(self) -> str:
        country = self.pick(("GB", "GB", "DE", "FR", "NL", "ES"))
        if country == "GB":
            value = str(self.fake.iban())
        else:
            bban = {
                "DE": lambda: self.digits(18),
                "FR": lambda: self.digits(23),
                "NL": lambda: self.pick(("ABNA", "RABO", "INGB")) + self.digits(10),
                "ES": lambda: self.digits(20),
            }[country]()
            check = 98 - _iban_number(bban + country + "00") % 97
            value = f"{country}{check:02d}{bban}"
        assert iban_ok(value), value
        return value

    def iban_groups(self, value: str) -> list[str]:
        return [value[i : i + 4] for i in range(0, len(value), 4)]

    def iban_spoken(self, groups: Sequence[str]) -> str:
        zero = self.zero()
        return ", ".join(say_digits(g, zero) for g in groups)

    def ip(self) -> str:
        if self.chance(0.25):
            return self.pick(
                (
                    f"192.168.{self.pick((0, 1, 1, 2, 10))}.{self.rng.randint(2, 254)}",
                    f"10.0.{self.rng.randint(0, 20)}.{self.rng.randint(2, 254)}",
                )
            )
        return str(self.fake.ipv4_public())

    def ip_spoken(self, value: str) -> str:
        octets = []
        for octet in value.split("."):
            n = int(octet)
            if n < 100:
                octets.append(below_100(n))
            else:
                octets.append(self.pick((say_digits(octet, self.zero()), say_house_number(n))))
        return " dot ".join(octets)

    def passport(self) -> str:
        if self.chance(0.5):
            return self.pick("ACEFGHJKLMNPRSTUVWXZ") + self.digits(8)
        return self.digits(9, lead_zero=False)

    def account_id(self) -> tuple[str, str, str, str]:
        """(caller's cue, agent's question, written, spoken): an identifier with a company other
        than a bank ("my member ID is", "can I get your member ID?")."""
        letters = "".join(self.pick(string.ascii_uppercase.replace("O", "")) for _ in range(3))
        style = self.rng.randrange(6)
        if style == 0:
            a, b = self.digits(4), self.digits(4)
            written, spoken = f"MBR-{a}-{b}", f"M B R {say_digits(a)}, {say_digits(b)}"
            return "member ID", "your member ID", written, spoken
        if style == 1:
            body = self.digits(9)
            written, spoken = f"{letters}{body}", f"{say_digits(letters)} {self.say([body])}"
            return "member ID", "the member ID on your insurance card", written, spoken
        if style == 2:
            head, body = letters[:2], self.digits(7)
            written, spoken = f"{head}{body}", f"{say_digits(head)} {self.say([body])}"
            return "policy number", "your policy number", written, spoken
        if style == 3:
            body = self.digits(7, lead_zero=False)
            written, spoken = f"C-{body}", f"C {self.say([body[:3], body[3:]])}"
            return "customer ID", "your customer ID", written, spoken
        if style == 4:
            body = self.digits(6, lead_zero=False)
            cue = self.pick(("loyalty number", "rewards number", "subscriber ID"))
            written = f"{letters[:1]}{body}"
            spoken = f"{letters[:1]} {self.say([body[:3], body[3:]])}"
            return cue, f"your {cue}", written, spoken
        body = self.digits(10, lead_zero=False)
        groups = [body[:3], body[3:6], body[6:]]
        company = self.pick(COMPANIES)
        return (
            f"{company} account number",
            f"the account number on your {company} bill",
            " ".join(groups),
            self.say(groups),
        )

    def pin(self) -> str:
        return self.digits(self.pick((4, 4, 4, 5, 6)))

    def address(self) -> Address:
        number = self.pick((
            self.rng.randint(2, 99), self.rng.randint(100, 999), self.rng.randint(100, 999),
            self.rng.randint(1000, 9999), self.rng.randint(1000, 9999),
            self.rng.randint(10000, 24999),
        ))  # fmt: skip
        unit = None
        if self.chance(0.35):
            unit = self.pick(
                (
                    ("apartment", f"{self.rng.randint(1, 9)}{self.pick('ABCD')}"),
                    ("apartment", str(self.rng.randint(2, 40))),
                    ("unit", str(self.rng.randint(2, 30))),
                    ("suite", str(self.rng.choice((100, 200, 210, 300, 450)))),
                )
            )
        city = self.pick(CITIES)
        return Address(
            number, self.pick(STREETS), self.pick(SUFFIXES), unit, city, city[3] + self.digits(2)
        )

    def address_text(self, address: Address, spoken: bool, city: bool, with_zip: bool) -> str:
        parts = [address.line(spoken, abbreviate=self.chance(0.5))]
        if address.unit:
            parts.append(address.unit_text(spoken))
        if city:
            parts.append(address.city_text(spoken, with_zip))
        return ", ".join(parts)

    def birth_date(self) -> date:
        """A date of birth of someone 18 to 88 years old on `REFERENCE_DAY` (never today: the
        set must not change with the calendar)."""
        start = REFERENCE_DAY.replace(year=REFERENCE_DAY.year - 89)
        end = REFERENCE_DAY.replace(year=REFERENCE_DAY.year - 18)
        value = self.fake.date_between_dates(date_start=start, date_end=end)
        assert isinstance(value, date)
        return value if value != start else value + timedelta(days=1)

    def date_spoken(self, day: date) -> str:
        hyphen = self.chance(0.3)
        month, nth, year = MONTHS[day.month], ordinal(day.day, hyphen), say_year(day.year, hyphen)
        return self.pick(
            (
                f"{month} {nth}, {year}",
                f"{month} {nth} {year}",
                f"the {nth} of {month}, {year}",
                f"{month} {below_100(day.day)}, {year}",
            )
        )

    def date_written(self, day: date) -> str:
        m, d, y = day.month, day.day, day.year
        return self.pick(
            (
                f"{m:02d}/{d:02d}/{y}",
                f"{m}/{d}/{y}",
                f"{MONTHS[m]} {d}, {y}",
                f"{MONTHS[m]} {ordinal_suffix(d)}, {y}",
                f"{m:02d}-{d:02d}-{y}",
            )
        )

    def date_numeric_spoken(self, day: date) -> str:
        zero = self.zero()
        m, d = f"{day.month:02d}", f"{day.day:02d}"
        if self.chance(0.5):
            return f"{say_digits(m, zero)}, {say_digits(d, zero)}, {pair(day.year % 100)}"
        return f"{say_digits(m, zero)} {say_digits(d, zero)} {say_digits(str(day.year), zero)}"

    def expiry(self) -> tuple[int, int]:
        return self.rng.randint(1, 12), self.rng.randint(2026, 2032)

    def expiry_text(self, month: int, year: int, spoken: bool) -> str:
        yy = year % 100
        if not spoken:
            return self.pick((f"{month:02d}/{yy:02d}", f"{month:02d}/{yy:02d}", f"{month}/{year}"))
        zero = self.zero()
        return self.pick(
            (
                f"{say_digits(f'{month:02d}', zero)} {pair(yy)}",
                f"{say_digits(f'{month:02d}', zero)}, {pair(yy)}",
                f"{say_digits(f'{month:02d}', zero)} slash {pair(yy)}",
                f"{MONTHS[month]} {say_year(year)}",
                f"{MONTHS[month]} of {pair(yy)}",
            )
        )


# --- Positive families ------------------------------------------------------------------------

Family = Callable[[Builder], list[SegmentRecord]]


def person_intro(b: Builder) -> list[SegmentRecord]:
    first, last = b.name()
    full = f"{first} {last}"
    return b.deal(
        (
            [caller("Hi, yes, my name is ", ("PERSON", full), ". ", cap(b.aside()), ".")],
            [caller("Hello, this is ", ("PERSON", full), ", I'm calling about my bill.")],
            [
                agent("Can I get your full name, please?"),
                caller("Yeah, it's ", ("PERSON", full), "."),
            ],
            [
                agent("Who am I speaking with today?"),
                caller(("PERSON", cap(full)), ". ", b.maybe_aside(0.5).strip()),
            ],
            [
                caller(
                    "Hi, ",
                    ("PERSON", first),
                    " here. I have a question about my ",
                    b.pick(("internet", "phone plan", "claim", "refund")),
                    ".",
                )
            ],
            [
                agent("And is this the account holder?"),
                caller("Yes, ", ("PERSON", full), ", that's me."),
            ],
        )
    )


def person_agent_greeting(b: Builder) -> list[SegmentRecord]:
    agent_first, _ = b.name()
    first, last = b.name()
    return [
        agent(f"Thank you for calling {b.company()}, my name is ", ("PERSON", agent_first),
              ". Can I have your name?"),
        caller(b.pick(("Sure, it's ", "Hi ", "Yeah, ")), ("PERSON", f"{first} {last}"), "."),
    ]  # fmt: skip


def spelled(b: Builder, name: str) -> str:
    letters = [c for c in name.upper() if c.isalpha()]
    style = b.rng.randrange(4)
    if style == 0:
        return " ".join(letters)
    if style == 1:
        return "-".join(c.lower() for c in letters)
    if style == 2:
        return ", ".join(letters)
    said = [
        f"{c} as in {PHONETIC[c]}" if c in PHONETIC and i < 2 else c for i, c in enumerate(letters)
    ]
    return ", ".join(said)


def person_spelled(b: Builder) -> list[SegmentRecord]:
    first, last = b.name()
    return b.deal(
        (
            [
                agent("Could you spell your last name for me?"),
                caller("Sure, ", ("PERSON", last), ", that's ", ("PERSON", spelled(b, last)), "."),
            ],
            [caller("Last name is ", ("PERSON", last), ", ", ("PERSON", spelled(b, last)), ".")],
            [
                agent("And how do you spell the first name?"),
                caller(("PERSON", cap(spelled(b, first))), "."),
            ],
            [caller("It's ", ("PERSON", first), ", spelled ", ("PERSON", spelled(b, first)), ".")],
        )
    )


def split_text(text: str, rng: random.Random) -> tuple[str, str]:
    """`text` cut at a random space (not inside "double X"), both halves trimmed."""
    words = text.split(" ")
    cuts = [i for i in range(1, len(words)) if words[i - 1] not in ("double", "triple", "as", "in")]
    at_groups = [i for i in cuts if words[i - 1].endswith(",")]
    i = rng.choice(at_groups if at_groups and rng.random() < 0.7 else cuts)
    return " ".join(words[:i]).rstrip(","), " ".join(words[i:])


def person_split_turns(b: Builder) -> list[SegmentRecord]:
    _, last = b.name()
    letters = " ".join(c for c in last.upper())
    head, tail = split_text(letters, b.rng)
    return [
        agent("Can you spell the last name?"),
        caller("Yeah, it's ", ("PERSON", head), "..."),
        b.back(),
        caller(("PERSON", tail), "."),
    ]


def person_split_segments(b: Builder) -> list[SegmentRecord]:
    first, last = b.name()
    return b.deal(
        (
            [caller("My name is ", ("PERSON", first), ","), caller(("PERSON", last), ".")],
            [
                caller("The account should be under ", ("PERSON", first)),
                caller(("PERSON", last), ", ", ("PERSON", spelled(b, last)), "."),
            ],
        )
    )


def person_third_party(b: Builder) -> list[SegmentRecord]:
    title, first, last = b.titled_name()
    relative = b.pick(("wife", "mother", "daughter") if title != "Mr." else ("husband", "father"))
    pronoun = "she" if title != "Mr." else "he"
    return b.deal((
        [caller(f"The account is under my {relative}, ", ("PERSON", f"{first} {last}"), ".")],
        [agent(f"Thanks, {title} ", ("PERSON", last), ", let me pull that up.")],
        [agent(f"Am I speaking with {title} ", ("PERSON", last), "?"), caller("Yes, speaking.")],
        [caller("I spoke to someone named ", ("PERSON", first), f" last week and {pronoun} said ",
                "it would be fixed in three days.")],
        [caller("Can you add ", ("PERSON", f"{first} {last}"), " as an authorized user?")],
    ))  # fmt: skip


def person_brands(b: Builder) -> list[SegmentRecord]:
    first, last = b.name()
    return [
        caller("Yeah, this is ", ("PERSON", f"{first} {last}"), ". ", b.pick((
            "My Alexa keeps dropping off the Wi-Fi.",
            "I bought a Dell laptop and the charger never came.",
            "I pay through the Wells Fargo app and it failed.",
            "The Ford dealership said to call you.",
            "My Jordan order from Foot Locker never showed up.",
        ))),
    ]  # fmt: skip


def phone_written(b: Builder) -> list[SegmentRecord]:
    number = b.phone_written(b.phone())
    return b.deal(
        (
            [
                agent("What's the best number to reach you?"),
                caller(b.pick(("It's ", "You can call me at ", "")), ("PHONE_NUMBER", number), "."),
            ],
            [caller(b.maybe_aside(), "My callback number is ", ("PHONE_NUMBER", number), ".")],
            [
                caller(
                    "Can you text me at ", ("PHONE_NUMBER", number), " when the tech is on the way?"
                )
            ],
        )
    )


def phone_spoken(b: Builder) -> list[SegmentRecord]:
    number = b.say(b.phone(), doubles=0.4)
    return b.deal((
        [
            agent("And a good callback number?"),
            caller(b.pick(("Yeah, it's ", "Sure, ", "It's ")), ("PHONE_NUMBER", number), "."),
        ],
        [caller("My cell is ", ("PHONE_NUMBER", number), ", " + b.pick((
            "that's the best one.", "call me after five.", "not the home number.")))],
        [caller(b.maybe_aside(0.5), "The number on the account is ", ("PHONE_NUMBER", number),
                ".")],
        [caller("It's area code ", ("PHONE_NUMBER", number), ".")],
    ))  # fmt: skip


def phone_readback(b: Builder) -> list[SegmentRecord]:
    groups = b.phone()
    number = b.say(groups) if b.chance(0.6) else b.phone_written(groups)
    return [
        agent("I have ", ("PHONE_NUMBER", number), " on file, is that still good?"),
        caller(b.pick(("Yes, that's right.", "Yep.", "No, that's my old number."))),
    ]


def phone_split_segments(b: Builder) -> list[SegmentRecord]:
    head, tail = split_text(b.say(b.phone()), b.rng)
    return [
        caller("Yeah, you can reach me at ", ("PHONE_NUMBER", head), ","),
        caller(("PHONE_NUMBER", cap(tail)), "."),
    ]


def phone_split_turns(b: Builder) -> list[SegmentRecord]:
    head, tail = split_text(b.say(b.phone()), b.rng)
    return [
        agent("What's a good number for you?"),
        caller("It's ", ("PHONE_NUMBER", head)),
        b.back(),
        caller(("PHONE_NUMBER", cap(tail)), "."),
    ]


def email_spoken(b: Builder) -> list[SegmentRecord]:
    first, last = b.name()
    _, spoken = b.email(first, last)
    return b.deal((
        [
            agent("Can I get an email address for the receipt?"),
            caller("Sure, it's ", ("EMAIL_ADDRESS", spoken), "."),
        ],
        [caller("My email is ", ("EMAIL_ADDRESS", spoken), ", " + b.pick((
            "all lowercase.", "that's where the bill goes.", "can you send it there?")))],
        [
            agent("What email do you want on the account?"),
            caller(("EMAIL_ADDRESS", cap(spoken)), "."),
        ],
        [caller(b.maybe_aside(0.6), "Send it to ", ("EMAIL_ADDRESS", spoken), ", please.")],
    ))  # fmt: skip


def email_written(b: Builder) -> list[SegmentRecord]:
    first, last = b.name()
    written, _ = b.email(first, last)
    return b.deal((
        [caller("The email on file is ", ("EMAIL_ADDRESS", written), ".")],
        [agent("I'll send the confirmation to ", ("EMAIL_ADDRESS", written), ", is that right?"),
         caller("Yes.")],
        [caller("It's ", ("EMAIL_ADDRESS", written), " but I can't log in since Tuesday.")],
    ))  # fmt: skip


def email_readback(b: Builder) -> list[SegmentRecord]:
    first, last = b.name()
    _, spoken = b.email(first, last)
    return [
        agent("So that's ", ("EMAIL_ADDRESS", spoken), "?"),
        caller(b.pick(("Correct.", "That's it.", "Yes, all lowercase."))),
    ]


def email_parts(b: Builder) -> tuple[str, str]:
    first, last = b.name()
    _, spoken = b.email(first, last)
    local, domain = spoken.split(" at ")
    return local, f"at {domain}"


def email_split_segments(b: Builder) -> list[SegmentRecord]:
    local, domain = email_parts(b)
    return [
        caller("My email is ", ("EMAIL_ADDRESS", local)),
        caller(("EMAIL_ADDRESS", cap(domain)), "."),
    ]


def email_split_turns(b: Builder) -> list[SegmentRecord]:
    local, domain = email_parts(b)
    return [
        caller("It's ", ("EMAIL_ADDRESS", local), "..."),
        b.back(),
        caller(("EMAIL_ADDRESS", cap(domain)), "."),
    ]


def card_spoken(b: Builder) -> list[SegmentRecord]:
    number = b.card_text(b.card(), spoken=True)
    return b.deal(
        (
            [
                agent("Go ahead with the card number whenever you're ready."),
                caller(b.pick(("Okay, it's ", "Sure, ", "")), ("CREDIT_CARD", number), "."),
            ],
            [caller(b.maybe_aside(0.6), "My card number is ", ("CREDIT_CARD", number), ".")],
            [caller("I want to pay with a different card, it's ", ("CREDIT_CARD", number), ".")],
        )
    )


def card_written(b: Builder) -> list[SegmentRecord]:
    number = b.card_text(b.card(), spoken=False)
    return b.deal(
        (
            [
                agent("What card would you like to use?"),
                caller("The Visa, ", ("CREDIT_CARD", number), "."),
            ],
            [caller(b.maybe_aside(0.6), "The card number is ", ("CREDIT_CARD", number), ".")],
            [caller("Put it on ", ("CREDIT_CARD", number), " please.")],
        )
    )


def card_halves(b: Builder) -> tuple[str, str]:
    groups = b.card()
    if b.chance(0.75):
        return split_text(b.card_text(groups, spoken=True), b.rng)
    cut = b.rng.randint(1, len(groups) - 1)
    return " ".join(groups[:cut]), " ".join(groups[cut:])


def card_split_segments(b: Builder) -> list[SegmentRecord]:
    head, tail = card_halves(b)
    return [
        caller("Okay, the card number is ", ("CREDIT_CARD", head), ","),
        caller(("CREDIT_CARD", cap(tail)), "."),
    ]


def card_split_turns(b: Builder) -> list[SegmentRecord]:
    head, tail = card_halves(b)
    return [
        agent("Go ahead with the card number."),
        caller(("CREDIT_CARD", cap(head)), "..."),
        b.back(),
        caller(("CREDIT_CARD", cap(tail)), "."),
    ]


def card_full_payment(b: Builder) -> list[SegmentRecord]:
    groups = b.card()
    spoken = b.chance(0.7)
    month, year = b.expiry()
    cvv = b.digits(4 if len(groups) == 3 else 3)
    cvv_text = say_digits(cvv, b.zero()) if spoken else cvv
    where = "four digits on the front" if len(groups) == 3 else "three digits on the back"
    return [
        caller("The card is ", ("CREDIT_CARD", b.card_text(groups, spoken)), "."),
        agent("And the expiration date?"),
        caller(("CARD_EXPIRY", cap(b.expiry_text(month, year, spoken))), "."),
        agent(f"Thanks. And the {where}?"),
        caller(("CARD_CVV", cap(cvv_text)), "."),
    ]


def cvv_spoken(b: Builder) -> list[SegmentRecord]:
    amex = b.chance(0.2)
    cvv = b.digits(4 if amex else 3)
    said = say_digits(cvv, b.zero())
    ask = (
        "the four digit code on the front"
        if amex
        else b.pick(("the three digits on the back", "the security code", "the CVV"))
    )
    return b.deal(
        (
            [agent(f"And {ask}?"), caller(b.pick(("It's ", "")), ("CARD_CVV", said), ".")],
            [caller(f"{cap(ask)} {'are' if 'digits' in ask else 'is'} ", ("CARD_CVV", said), ".")],
            [caller("Security code ", ("CARD_CVV", said), ", and the zip is the same as before.")],
        )
    )


def cvv_written(b: Builder) -> list[SegmentRecord]:
    cvv = b.digits(3)
    return b.deal(
        (
            [caller("The CVV is ", ("CARD_CVV", cvv), ".")],
            [agent("And the security code on the back?"), caller(("CARD_CVV", cvv), ".")],
            [caller("CVV ", ("CARD_CVV", cvv), ". " + cap(b.aside()) + ".")],
        )
    )


def expiry_spoken(b: Builder) -> list[SegmentRecord]:
    month, year = b.expiry()
    said = b.expiry_text(month, year, spoken=True)
    return b.deal(
        (
            [caller("It expires ", ("CARD_EXPIRY", said), ".")],
            [agent("What's the expiration date?"), caller(("CARD_EXPIRY", cap(said)), ".")],
            [caller("Expiration is ", ("CARD_EXPIRY", said), ", " + b.aside() + ".")],
            [agent("And it's good through?"), caller("Through ", ("CARD_EXPIRY", said), ".")],
        )
    )


def expiry_written(b: Builder) -> list[SegmentRecord]:
    month, year = b.expiry()
    text = b.expiry_text(month, year, spoken=False)
    return b.deal((
        [caller("Expiration ", ("CARD_EXPIRY", text), ".")],
        [agent("And the expiry?"), caller("It's ", ("CARD_EXPIRY", text), ".")],
        [caller("Exp date ", ("CARD_EXPIRY", text), ", I was charged $" +
                f"{b.rng.randint(20, 120)}.99 on it last week.")],
    ))  # fmt: skip


def ssn_text(b: Builder, value: str, spoken: bool) -> str:
    groups = [value[:3], value[3:5], value[5:]]
    if spoken:
        return b.say(groups, doubles=0.2)
    return b.deal(("-", "-", " ")).join(groups)


def ssn_family(b: Builder, spoken: bool) -> list[SegmentRecord]:
    said = ssn_text(b, b.ssn(), spoken)
    cue = b.pick(("social", "social security number", "SSN"))
    return b.deal(
        (
            [agent(f"Can you verify your {cue}?"), caller("Yes, it's ", ("US_SSN", said), ".")],
            [caller(f"My {cue} is ", ("US_SSN", said), ".")],
            [
                caller(
                    b.maybe_aside(0.6), "For the application, my social is ", ("US_SSN", said), "."
                )
            ],
        )
    )


def ssn_spoken(b: Builder) -> list[SegmentRecord]:
    return ssn_family(b, spoken=True)


def ssn_written(b: Builder) -> list[SegmentRecord]:
    return ssn_family(b, spoken=False)


def ssn_last_four(b: Builder) -> list[SegmentRecord]:
    four = b.ssn()[5:]
    said = say_digits(four, b.zero()) if b.chance(0.6) else four
    return b.deal(
        (
            [
                agent("Can I get the last four of your social?"),
                caller(("US_SSN", cap(said)), "."),
            ],
            [caller("The last four of my social are ", ("US_SSN", said), ".")],
            [
                agent("To verify, the last four digits of your social security number?"),
                caller("Sure, ", ("US_SSN", said), "."),
            ],
        )
    )


def ssn_split_segments(b: Builder) -> list[SegmentRecord]:
    head, tail = split_text(ssn_text(b, b.ssn(), spoken=True), b.rng)
    return [
        caller("My social is ", ("US_SSN", head), ","),
        caller(("US_SSN", cap(tail)), "."),
    ]


def ssn_split_turns(b: Builder) -> list[SegmentRecord]:
    head, tail = split_text(ssn_text(b, b.ssn(), spoken=True), b.rng)
    return [
        agent("And your social security number?"),
        caller(("US_SSN", cap(head)), "..."),
        b.back(),
        caller(("US_SSN", cap(tail)), "."),
    ]


def bank_text(b: Builder, value: str, spoken: bool) -> str:
    groups = [value[i : i + 4] for i in range(0, len(value), 4)]
    if len(groups[-1]) == 1:
        groups[-2:] = [groups[-2] + groups[-1]]
    return b.say(groups) if spoken else b.pick(("", " ")).join(groups)


def bank_family(b: Builder, spoken: bool) -> list[SegmentRecord]:
    said = bank_text(b, b.bank_account(), spoken)
    bank = b.pick(BANKS)
    kind = b.pick(("checking", "savings"))
    return b.deal(
        (
            [
                agent("What's the account number for the direct debit?"),
                caller(f"It's my {kind} at {bank}, ", ("US_BANK_NUMBER", said), "."),
            ],
            [caller(f"My {kind} account number is ", ("US_BANK_NUMBER", said), ".")],
            [caller(f"The refund can go to my {bank} account, ", ("US_BANK_NUMBER", said), ".")],
            [agent("And the bank account number?"), caller(("US_BANK_NUMBER", cap(said)), ".")],
        )
    )


def bank_spoken(b: Builder) -> list[SegmentRecord]:
    return bank_family(b, spoken=True)


def bank_written(b: Builder) -> list[SegmentRecord]:
    return bank_family(b, spoken=False)


def bank_with_routing(b: Builder) -> list[SegmentRecord]:
    spoken = b.chance(0.6)
    routing = b.routing()
    routing_text = b.say([routing[:3], routing[3:6], routing[6:]]) if spoken else routing
    account = bank_text(b, b.bank_account(), spoken)
    return b.deal((
        [
            agent("I'll need the routing and account numbers."),
            caller("Routing is ", ("ROUTING_NUMBER", routing_text), " and the account is ",
                   ("US_BANK_NUMBER", account), "."),
        ],
        [
            caller("The routing number is ", ("ROUTING_NUMBER", routing_text), "."),
            agent("Okay, and the account number?"),
            caller(f"{b.pick(('Checking', 'Savings'))} account ", ("US_BANK_NUMBER", account), "."),
        ],
    ))  # fmt: skip


def bank_split_segments(b: Builder) -> list[SegmentRecord]:
    head, tail = split_text(bank_text(b, b.bank_account(), spoken=True), b.rng)
    return [
        caller("The checking account number is ", ("US_BANK_NUMBER", head), ","),
        caller(("US_BANK_NUMBER", cap(tail)), "."),
    ]


def bank_split_turns(b: Builder) -> list[SegmentRecord]:
    head, tail = split_text(bank_text(b, b.bank_account(), spoken=True), b.rng)
    return [
        agent(f"And your account number at {b.pick(BANKS)}?"),
        caller(("US_BANK_NUMBER", cap(head)), "..."),
        b.back(),
        caller(("US_BANK_NUMBER", cap(tail)), "."),
    ]


def routing_text(b: Builder, value: str, spoken: bool) -> str:
    if spoken:
        return b.say([value[:3], value[3:6], value[6:]], doubles=0.2)
    return b.deal((value, f"{value[:3]} {value[3:6]} {value[6:]}"))


def routing_family(b: Builder, spoken: bool) -> list[SegmentRecord]:
    said = routing_text(b, b.routing(), spoken)
    return b.deal(
        (
            [agent("And the routing number?"), caller("It's ", ("ROUTING_NUMBER", said), ".")],
            [caller("Routing number ", ("ROUTING_NUMBER", said), ", it's a credit union.")],
            [caller(f"The ABA for {b.pick(BANKS)} is ", ("ROUTING_NUMBER", said), ".")],
            [caller("The routing number on my checks is ", ("ROUTING_NUMBER", said), ".")],
        )
    )


def routing_spoken(b: Builder) -> list[SegmentRecord]:
    return routing_family(b, spoken=True)


def routing_written(b: Builder) -> list[SegmentRecord]:
    return routing_family(b, spoken=False)


def routing_split_segments(b: Builder) -> list[SegmentRecord]:
    head, tail = split_text(routing_text(b, b.routing(), spoken=True), b.rng)
    return [
        caller("The routing number is ", ("ROUTING_NUMBER", head), ","),
        caller(("ROUTING_NUMBER", cap(tail)), "."),
    ]


def routing_split_turns(b: Builder) -> list[SegmentRecord]:
    head, tail = split_text(routing_text(b, b.routing(), spoken=True), b.rng)
    return [
        caller("Routing is ", ("ROUTING_NUMBER", head), "..."),
        b.back(),
        caller(("ROUTING_NUMBER", cap(tail)), "."),
    ]


def iban_family(b: Builder, spoken: bool) -> list[SegmentRecord]:
    groups = b.iban_groups(b.iban())
    said = b.iban_spoken(groups) if spoken else b.pick((" ".join(groups), "".join(groups)))
    return b.deal(
        (
            [
                agent("For an international transfer I need the IBAN."),
                caller("Okay, it's ", ("IBAN_CODE", said), "."),
            ],
            [caller("My IBAN is ", ("IBAN_CODE", said), ", the account is in Europe.")],
            [caller("The refund should go to IBAN ", ("IBAN_CODE", said), ".")],
        )
    )


def iban_spoken(b: Builder) -> list[SegmentRecord]:
    return iban_family(b, spoken=True)


def iban_written(b: Builder) -> list[SegmentRecord]:
    return iban_family(b, spoken=False)


def iban_halves(b: Builder) -> tuple[str, str]:
    groups = b.iban_groups(b.iban())
    cut = b.rng.randint(2, len(groups) - 2)
    if b.chance(0.7):
        return b.iban_spoken(groups[:cut]), b.iban_spoken(groups[cut:])
    return " ".join(groups[:cut]), " ".join(groups[cut:])


def iban_split_segments(b: Builder) -> list[SegmentRecord]:
    head, tail = iban_halves(b)
    return [caller("The IBAN is ", ("IBAN_CODE", head), ","), caller(("IBAN_CODE", tail), ".")]


def iban_split_turns(b: Builder) -> list[SegmentRecord]:
    head, tail = iban_halves(b)
    return [
        caller("IBAN ", ("IBAN_CODE", head), "..."),
        b.back(),
        caller(("IBAN_CODE", tail), "."),
    ]


def address_family(b: Builder, spoken: bool, city: bool) -> list[SegmentRecord]:
    address = b.address()
    said = b.address_text(address, spoken, city, with_zip=city and b.chance(0.6))
    cue = b.pick((
        "I live at ", "The service address is ", "Ship it to ", "My billing address is ",
        "The new address is ", "We moved to ",
    ))  # fmt: skip
    return b.deal((
        [
            agent("What's the address on the account?"),
            caller("It's ", ("STREET_ADDRESS", said), "."),
        ],
        [caller(b.maybe_aside(0.4), cue, ("STREET_ADDRESS", said), ".")],
        [caller(cue, ("STREET_ADDRESS", said), ", " + b.pick((
            "the blue house.", "since March.", "the tech can park in the driveway.")))],
    ))  # fmt: skip


def address_spoken(b: Builder) -> list[SegmentRecord]:
    return address_family(b, spoken=True, city=b.chance(0.3))


def address_written(b: Builder) -> list[SegmentRecord]:
    return address_family(b, spoken=False, city=b.chance(0.3))


def address_full(b: Builder) -> list[SegmentRecord]:
    return address_family(b, spoken=b.chance(0.5), city=True)


def address_halves(b: Builder) -> tuple[str, str]:
    address = b.address()
    spoken = b.chance(0.7)
    line = address.line(spoken)
    rest = [address.unit_text(spoken)] if address.unit else []
    rest.append(address.city_text(spoken, with_zip=b.chance(0.5)))
    return line, ", ".join(rest)


def address_split_segments(b: Builder) -> list[SegmentRecord]:
    line, rest = address_halves(b)
    return [
        caller("The address is ", ("STREET_ADDRESS", line), ","),
        caller(("STREET_ADDRESS", cap(rest)), "."),
    ]


def address_split_turns(b: Builder) -> list[SegmentRecord]:
    line, rest = address_halves(b)
    return [
        agent("Where should we send the replacement?"),
        caller(("STREET_ADDRESS", cap(line)), "..."),
        b.back(),
        caller(("STREET_ADDRESS", cap(rest)), "."),
    ]


def address_readback(b: Builder) -> list[SegmentRecord]:
    address = b.address()
    said = b.address_text(address, b.chance(0.5), city=b.chance(0.5), with_zip=False)
    return [
        agent("I have ", ("STREET_ADDRESS", said), " as the service address, is that right?"),
        caller(b.pick(("Yes.", "That's right.", "No, we moved in June."))),
    ]


def dob_value(b: Builder, form: str) -> str:
    day = b.birth_date()
    if form == "spoken":
        return b.date_spoken(day)
    if form == "written":
        return b.date_written(day)
    return b.date_numeric_spoken(day)


def dob_family(b: Builder, form: str) -> list[SegmentRecord]:
    said = dob_value(b, form)
    return b.deal((
        [
            agent("Can I get your date of birth?"),
            caller(b.pick(("It's ", "Sure, it's ", "")), ("DATE_OF_BIRTH", said), "."),
        ],
        [caller("My date of birth is ", ("DATE_OF_BIRTH", said), ".")],
        [caller("I was born ", ("DATE_OF_BIRTH", said), ", " + b.pick((
            "if you need that.", "the account's been mine forever.")))],
        [
            agent("And to verify, your birthday?"),
            caller(("DATE_OF_BIRTH", cap(said)), ". " + b.maybe_aside(0.5)),
        ],
        [caller("DOB is ", ("DATE_OF_BIRTH", said), ".")],
    ))  # fmt: skip


def dob_spoken(b: Builder) -> list[SegmentRecord]:
    return dob_family(b, "spoken")


def dob_written(b: Builder) -> list[SegmentRecord]:
    return dob_family(b, "written")


def dob_numeric_spoken(b: Builder) -> list[SegmentRecord]:
    return dob_family(b, "numeric")


def dob_halves(b: Builder) -> tuple[str, str]:
    day = b.birth_date()
    month, nth = MONTHS[day.month], ordinal(day.day)
    return b.deal(
        ((f"{month} {nth}", say_year(day.year)), (f"the {nth} of {month}", say_year(day.year)))
    )


def dob_split_segments(b: Builder) -> list[SegmentRecord]:
    head, tail = dob_halves(b)
    return [
        caller("My birthday is ", ("DATE_OF_BIRTH", head), ","),
        caller(("DATE_OF_BIRTH", cap(tail)), "."),
    ]


def dob_split_turns(b: Builder) -> list[SegmentRecord]:
    head, tail = dob_halves(b)
    return [
        agent("And your date of birth?"),
        caller(("DATE_OF_BIRTH", cap(head)), "..."),
        b.back(),
        caller(("DATE_OF_BIRTH", cap(tail)), "."),
    ]


def dob_readback(b: Builder) -> list[SegmentRecord]:
    said = dob_value(b, b.pick(("spoken", "written")))
    return [
        agent("I have your date of birth as ", ("DATE_OF_BIRTH", said), ", is that correct?"),
        caller("Yes."),
    ]


def verification(b: Builder) -> list[SegmentRecord]:
    title, first, last = b.titled_name()
    said = dob_value(b, b.pick(("spoken", "written")))
    return [
        agent("Before we go on, can I get your name and date of birth?"),
        caller("Sure, ", ("PERSON", f"{first} {last}"), ", ", ("DATE_OF_BIRTH", said), "."),
        agent(f"Thank you, {title} ", ("PERSON", last), ". " + b.pick((
            "I see the charge from March fifth.", "I see two lines on the account.",
            "I see the order from last Tuesday.")))
    ]  # fmt: skip


def ip_family(b: Builder, spoken: bool) -> list[SegmentRecord]:
    value = b.ip()
    said = b.ip_spoken(value) if spoken else value
    return b.deal((
        [caller("My IP address is ", ("IP_ADDRESS", said), ", if that helps.")],
        [
            agent("Can you read me the IP address on that screen?"),
            caller("It says ", ("IP_ADDRESS", said), "."),
        ],
        [caller("The router's WAN IP shows ", ("IP_ADDRESS", said), " but nothing loads.")],
        [caller("It's on the " + b.pick(("X200 router", "Netgear R7000", "version 2.4.1 app")) +
                ", my laptop has ", ("IP_ADDRESS", said), ".")],
    ))  # fmt: skip


def ip_spoken(b: Builder) -> list[SegmentRecord]:
    return ip_family(b, spoken=True)


def ip_written(b: Builder) -> list[SegmentRecord]:
    return ip_family(b, spoken=False)


def ip_split_segments(b: Builder) -> list[SegmentRecord]:
    said = b.ip_spoken(b.ip())
    at = said.index(" dot ", said.index(" dot ") + 1)
    return [
        caller("The IP is ", ("IP_ADDRESS", said[:at]), ","),
        caller(("IP_ADDRESS", cap(said[at + 1 :])), "."),
    ]


def passport_text(b: Builder, value: str, spoken: bool) -> str:
    if not spoken:
        return value
    return say_digits(value[:1], b.zero()) + " " + b.say([value[1:5], value[5:]], doubles=0.2)


def passport_family(b: Builder, spoken: bool) -> list[SegmentRecord]:
    said = passport_text(b, b.passport(), spoken)
    return b.deal(
        (
            [
                agent("For the international booking I'll need your passport number."),
                caller("Okay, it's ", ("PASSPORT", said), "."),
            ],
            [caller("My passport number is ", ("PASSPORT", said), ", it expires next year.")],
            [caller("The passport is ", ("PASSPORT", said), ", US passport.")],
        )
    )


def passport_spoken(b: Builder) -> list[SegmentRecord]:
    return passport_family(b, spoken=True)


def passport_written(b: Builder) -> list[SegmentRecord]:
    return passport_family(b, spoken=False)


def passport_split_segments(b: Builder) -> list[SegmentRecord]:
    head, tail = split_text(passport_text(b, b.passport(), spoken=True), b.rng)
    return [
        caller("Passport number is ", ("PASSPORT", head), ","),
        caller(("PASSPORT", cap(tail)), "."),
    ]


def passport_split_turns(b: Builder) -> list[SegmentRecord]:
    head, tail = split_text(passport_text(b, b.passport(), spoken=True), b.rng)
    return [
        agent("And the passport number?"),
        caller(("PASSPORT", cap(head)), "..."),
        b.back(),
        caller(("PASSPORT", cap(tail)), "."),
    ]


def account_id_family(b: Builder, spoken: bool) -> list[SegmentRecord]:
    cue, ask, written, said = b.account_id()
    value = said if spoken else written
    return b.deal(
        (
            [agent(f"Can I get {ask}?"), caller("Yeah, it's ", ("ACCOUNT_ID", value), ".")],
            [caller(f"My {cue} is ", ("ACCOUNT_ID", value), ".")],
            [caller(b.maybe_aside(0.6), f"The {cue} is ", ("ACCOUNT_ID", value), ".")],
        )
    )


def account_id_spoken(b: Builder) -> list[SegmentRecord]:
    return account_id_family(b, spoken=True)


def account_id_written(b: Builder) -> list[SegmentRecord]:
    return account_id_family(b, spoken=False)


def account_id_split_segments(b: Builder) -> list[SegmentRecord]:
    cue, _, _, said = b.account_id()
    head, tail = split_text(said, b.rng)
    return [
        caller(f"My {cue} is ", ("ACCOUNT_ID", head), ","),
        caller(("ACCOUNT_ID", cap(tail)), "."),
    ]


def account_id_split_turns(b: Builder) -> list[SegmentRecord]:
    _, ask, _, said = b.account_id()
    head, tail = split_text(said, b.rng)
    return [
        agent(f"What's {ask}?"),
        caller(("ACCOUNT_ID", cap(head)), "..."),
        b.back(),
        caller(("ACCOUNT_ID", cap(tail)), "."),
    ]


def pin_family(b: Builder, spoken: bool) -> list[SegmentRecord]:
    value = b.pin()
    said = say_digits(value, b.zero(), doubles=b.chance(0.3)) if spoken else value
    cue = b.pick(("PIN", "passcode", "account PIN", "security PIN"))
    return b.deal((
        [agent(f"Can you give me the {cue} on the account?"),
         caller(b.pick(("It's ", "")), ("PIN", said), ".")],
        [caller(f"The {cue} is ", ("PIN", said), ".")],
        [caller(f"My {cue} should be ", ("PIN", said), ", unless my son changed it.")],
        [caller(b.maybe_aside(0.6), f"I set the {cue} to ", ("PIN", said), " last week.")],
    ))  # fmt: skip


def pin_spoken(b: Builder) -> list[SegmentRecord]:
    return pin_family(b, spoken=True)


def pin_written(b: Builder) -> list[SegmentRecord]:
    return pin_family(b, spoken=False)


# --- Negative families ------------------------------------------------------------------------


def neg_price(b: Builder) -> list[SegmentRecord]:
    dollars, cents = b.rng.randint(21, 99), b.pick((99, 50, 95, 49))
    return [b.deal((
        caller(f"I was charged ${dollars}.{cents} twice this month."),
        caller(f"The bill says {below_100(dollars)} {below_100(cents)}, not what I signed up for."),
        caller(f"It was supposed to be {cardinal(dollars)} dollars a month."),
        agent(f"The new plan is ${dollars} a month plus tax."),
        caller(f"I paid a hundred and {below_100(dollars)} dollars for the upgrade."),
        agent(f"I can give you a ${b.pick((10, 15, 20, 25))} credit on the next bill."),
    ))]  # fmt: skip


def neg_quantity(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller("I ordered three of them but only two showed up."),
        caller(f"We have {b.pick(('four', 'five', 'six'))} lines on the account."),
        caller("There's five TVs in the house and only one works."),
        caller(f"The box said {b.pick(('twelve', 'twenty four', '24'))} but there were ten."),
        agent("I can see two devices registered and one pending."),
        caller("I need about a dozen of the filters."),
    ))]  # fmt: skip


def neg_duration(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller(f"I've been on hold for {below_100(b.rng.randint(20, 59))} minutes."),
        caller(f"It's been down for {b.pick(('three', 'four', 'two'))} days now."),
        agent("That usually takes seven to ten business days."),
        caller("It takes like twenty minutes to reboot every time."),
        agent("The refund should post in three to five days."),
        caller("I waited two weeks for the technician."),
    ))]  # fmt: skip


def neg_date(b: Builder) -> list[SegmentRecord]:
    month = b.pick(MONTHS[1:])
    day = b.rng.randint(1, 28)
    return [b.deal((
        caller(f"My bill on {month} {ordinal(day)} was double."),
        caller(f"I've been a customer since {b.rng.randint(2009, 2023)}."),
        caller(f"I've been with you since {say_year(b.rng.randint(1990, 2008))}."),
        caller(f"I ordered it on the {ordinal(day)} of {month} and it never came."),
        agent(f"Your appointment is on {month} {ordinal_suffix(day)}, 2025."),
        agent(f"I see a payment on {b.rng.randint(1, 12):02d}/{day:02d}/2024."),
        caller(f"My contract ends {month} {ordinal(day)}, twenty twenty six."),
        caller(f"The outage started on {month} {day}."),
        caller(f"The late fee showed up on the {ordinal(day)}, that's not fair."),
    ))]  # fmt: skip


def neg_dialogue(b: Builder) -> list[SegmentRecord]:
    """Several turns full of numbers, none of them personal; some over a back-channel."""
    return b.deal(
        (
            [
                agent("How many devices are connected right now?"),
                caller("Like five, six maybe. Two laptops, a TV and the phones."),
            ],
            [
                caller("I got charged twice, forty nine ninety nine on the third"),
                agent("Uh-huh."),
                caller("and again on the fifth, same amount."),
            ],
            [
                agent("Can I get your date of birth?"),
                caller("Sure, one sec."),
                agent("Take your time."),
            ],
            [
                caller("The order was for two of the X200 routers"),
                agent("Okay."),
                caller("and only one came, on Friday, in a box for three."),
            ],
            [
                agent("I can do twenty percent off for twelve months"),
                agent("which brings it to sixty four ninety nine."),
                caller("And after the twelve months?"),
            ],
            [
                caller("It goes out every day around four"),
                caller("four fifteen, for like ten minutes."),
            ],
            [
                agent("Your case number is four four one, nine two oh seven."),
                caller("Four four one, nine two oh seven, got it."),
            ],
            [
                caller("I've had the same number since two thousand five"),
                agent("Mm-hmm."),
                caller("and the same plan for like ten years."),
            ],
        )
    )


def neg_time(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller("The tech was supposed to come around three thirty."),
        agent(f"We're open {b.pick(('eight to eight', '8 to 8', 'nine to six'))} Eastern."),
        caller("It happened at 9:45 this morning."),
        agent("I have a window between eight and noon tomorrow."),
        caller("It drops every night at ten fifteen."),
        caller("Can you call me back after 5:30?"),
    ))]  # fmt: skip


def neg_product(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller("My iPhone 15 won't connect to the network."),
        caller("It's the X200 router, the black one."),
        agent("You're on plan 5G Plus right now."),
        caller("I have a Galaxy S23 Ultra and the hotspot doesn't work."),
        caller("The model number is RX-7400, it's on the sticker."),
        caller("It's a 65 inch Samsung QN90C."),
        agent("I can swap it for the Netgear R7000."),
        caller("I upgraded to the Pixel 8 last month."),
    ))]  # fmt: skip


def neg_reference_numbers(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller(f"The order number is {b.digits(7, lead_zero=False)}."),
        caller(f"I have a ticket number from last time, TK-{b.digits(5, lead_zero=False)}."),
        agent(f"I've opened case number {b.digits(8, lead_zero=False)} for you."),
        caller(f"The tracking number ends in {b.digits(4)}."),
        agent(f"Your confirmation number is {b.pick('ABCDEFGHJK')}{b.digits(5)}."),
        caller(f"The claim number on the letter is {b.digits(3, False)}-{b.digits(4)}."),
    ))]  # fmt: skip


def neg_percentage(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller("They said fifteen percent off for a year."),
        agent("There's a 20% discount if you enroll in autopay."),
        caller("The battery goes from ninety two percent to zero in an hour."),
        caller("My rate went up like 8.5 percent."),
        agent("You've used 75% of your data this cycle."),
        caller("Only about half the speed, maybe fifty percent."),
    ))]  # fmt: skip


def neg_ordinary_numbers(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller("Give me one or two minutes to find it."),
        caller("One sec, let me grab my glasses."),
        caller("Just one more thing before you go."),
        caller("I've called like four, five times about this."),
        caller("It's the one on the left, the second one."),
        agent("One moment while I pull that up."),
        caller("I tried it two or three times, one after the other."),
        caller("Number one, it's slow, and number two, it keeps dropping."),
    ))]  # fmt: skip


def neg_version(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller("The app is on version 2.4.1."),
        caller("I'm on iOS seventeen point two."),
        agent("Make sure the firmware is 3.0.2 or later."),
        caller("It says version five point one two."),
        agent("Version 10.6 fixed that bug."),
        caller("The firmware says 1.0.12 right now."),
    ))]  # fmt: skip


def neg_weekday(b: Builder) -> list[SegmentRecord]:
    day = b.pick(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
    return [
        b.deal(
            (
                caller(f"It's been out since last {day}."),
                agent(f"The technician can come on {day}."),
                caller(f"I need it fixed by {day}, I work from home."),
                caller(f"I called on {day} and nobody called back."),
            )
        )
    ]


def neg_last_four(b: Builder) -> list[SegmentRecord]:
    four = b.digits(4)
    return [b.deal((
        caller(f"My card ending in {four} was charged $89.50 twice."),
        agent(f"I see the Visa ending in {say_digits(four, b.zero())}."),
        caller(f"The checking account ending in {four} is the one I use."),
        caller(f"It's the Mastercard, last four {four}."),
        agent(f"The refund will go back to the card ending {four} in three to five days."),
    ))]  # fmt: skip


def neg_asks(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        agent("Can I get your date of birth?"),
        agent("What's the best number to reach you?"),
        agent("Can you read me the card number?"),
        agent("I'll need the last four digits of your social."),
        agent("Could you spell your last name for me?"),
        agent("What's your member ID? It's on the front of the card."),
        caller("I don't have my policy number on me right now."),
        caller("Hold on, the card's in my other wallet."),
        agent("It's a sixteen digit number on the front of the card."),
        caller("Which PIN, the four digit one or the six digit one?"),
    ))]  # fmt: skip


# --- Names from many countries, written and as raw speech-to-text writes them ----------------
# A development list written by hand (not drawn from the gazetteer's package or the held-out set's
# sources): given names and surnames as people from these countries write them.
WORLD_NAMES = (
    ("Chidinma", "Eze"), ("Oluwaseun", "Adebayo"), ("Kwame", "Mensah"), ("Thandiwe", "Nkosi"),
    ("Wanjiru", "Kamau"), ("Abebe", "Tesfaye"), ("Fatoumata", "Diallo"), ("Youssef", "Benali"),
    ("Layla", "Haddad"), ("Omar", "Farouk"), ("Mehmet", "Yılmaz"), ("Ayşe", "Demir"),  # noqa: RUF001
    ("Arash", "Tehrani"), ("Priyanka", "Venkataraman"), ("Rohan", "Bhattacharya"),
    ("Anjali", "Deshpande"), ("Sadia", "Chowdhury"), ("Nguyen", "Thi Hoa"), ("Minh", "Tran"),
    ("Wei", "Zhang"), ("Xiaoling", "Liu"), ("Haruto", "Takahashi"), ("Yuki", "Nakamura"),
    ("Ji-woo", "Park"), ("Seo-yeon", "Choi"), ("Somchai", "Srisuk"), ("Maricel", "Dimaculangan"),
    ("Dewi", "Setiawan"), ("Aroha", "Ngata"), ("Björn", "Lindgren"), ("Sigrún", "Jónsdóttir"),
    ("Mikkel", "Sørensen"), ("Eero", "Virtanen"), ("Aino", "Mäkinen"), ("Kristjan", "Tamm"),
    ("Jānis", "Bērziņš"), ("Rūta", "Kazlauskienė"), ("Małgorzata", "Wiśniewska"),
    ("Tomáš", "Novotný"), ("Zuzana", "Horváthová"), ("Gábor", "Szabó"), ("Ioana", "Popescu"),
    ("Dragan", "Petrović"), ("Ivana", "Kovačević"), ("Dimitris", "Papadopoulos"),
    ("Eleni", "Georgiou"), ("Giulia", "Esposito"), ("Matteo", "Ricci"), ("Inés", "Ocaña"),
    ("Joaquín", "Ibáñez"), ("João", "Gonçalves"), ("Conceição", "Araújo"), ("Hélène", "Lefèvre"),
    ("Benoît", "Garnier"), ("Anouk", "Van der Berg"), ("Sander", "De Vries"), ("Lukas", "Huber"),
    ("Jürgen", "Weißmann"), ("Siobhán", "Ó Briain"), ("Aoife", "Gallagher"), ("Rhys", "Llewellyn"),
    ("Olga", "Smirnova"), ("Dmytro", "Kovalenko"), ("Aigerim", "Nurlanovna"), ("Tenzin", "Dorje"),
    ("Itzel", "Xochitl"), ("Cuauhtémoc", "Hernández"), ("Thiago", "Albuquerque"),
    ("Valentina", "Quispe"), ("Keoni", "Kahananui"),
)  # fmt: skip
WORLD_STREETS = (
    "Rue des Lilas", "Via Garibaldi", "Calle de Alcalá", "Rua das Flores", "Lindenstraße",
    "Kastanienweg", "Sveavägen", "Mannerheimintie", "Nowy Świat", "Váci utca", "Keizersgracht",
    "Juniper Avenue", "Sycamore Lane", "Harbour Road", "Kingsway", "Ocean Drive",
)  # fmt: skip
_SPOKEN_DROP = re.compile(r"[.,!?;:]")


def said(speaker: str, spoken: bool, *parts: Part) -> SegmentRecord:
    """A segment written (capitalized and punctuated) or as raw speech-to-text writes it: lower
    case, no punctuation but apostrophes and hyphens."""
    if not spoken:
        return segment(speaker, *parts)
    text, entities = "", []
    for part in parts:
        if isinstance(part, str):
            text += _SPOKEN_DROP.sub("", part.lower())
            continue
        entity_type, value = part
        value = _SPOKEN_DROP.sub("", value.lower())
        entities.append(EntityLabel(type=entity_type, start=len(text), end=len(text) + len(value)))
        text += value
    text = re.sub(r" +", " ", text)
    assert all(text[e["start"] : e["end"]].strip() == text[e["start"] : e["end"]] for e in entities)
    return SegmentRecord(speaker=speaker, text=text.strip(), entities=entities)


def world_cue(b: Builder, spoken: bool) -> list[SegmentRecord]:
    first, last = b.pick(WORLD_NAMES)
    full = f"{first} {last}"
    return b.deal((
        [said("caller", spoken, "Hello, my name is ", ("PERSON", full),
              " and I'm calling about a refund.")],
        [said("agent", spoken, "Good afternoon, you're through to ", ("PERSON", first),
              " in billing.")],
        [said("caller", spoken, "Yes, this is ", ("PERSON", full), ", the account holder.")],
        [said("agent", spoken, "Who do I have the pleasure of speaking with?"),
         said("caller", spoken, "It's ", ("PERSON", full), ".")],
        [said("caller", spoken, "The account is under ", ("PERSON", last), ", my married name.")],
    ))  # fmt: skip


def world_answer(b: Builder, spoken: bool) -> list[SegmentRecord]:
    first, last = b.pick(WORLD_NAMES)
    return b.deal((
        [said("agent", spoken, "And what's your last name?"),
         said("caller", spoken, ("PERSON", last), ".")],
        [said("agent", spoken, "Can I take your surname, please?"),
         said("caller", spoken, "Sure, it's ", ("PERSON", last), ".")],
        [said("agent", spoken, "And your first name?"),
         said("caller", spoken, ("PERSON", first), ".")],
        [said("agent", spoken, "Who am I speaking with?"),
         said("caller", spoken, ("PERSON", f"{first} {last}"), ", I called yesterday too.")],
    ))  # fmt: skip


def world_greeting(b: Builder, spoken: bool) -> list[SegmentRecord]:
    first, _ = b.pick(WORLD_NAMES)
    return b.deal((
        [said("agent", spoken, "Hi ", ("PERSON", first), ", thanks for waiting.")],
        [said("caller", spoken, "Thank you, ", ("PERSON", first), ", that's really helpful.")],
        [said("agent", spoken, "Good morning ", ("PERSON", first), ", how can I help?")],
        [said("caller", spoken, "Okay, bye ", ("PERSON", first), ".")],
    ))  # fmt: skip


def world_mentioned(b: Builder, spoken: bool) -> list[SegmentRecord]:
    (f1, l1), (f2, l2), (_, l3) = (b.pick(WORLD_NAMES) for _ in range(3))
    return b.deal((
        [said("caller", spoken, "I spoke to ", ("PERSON", f1), ", then ", ("PERSON", f2),
              ", and nobody called back.")],
        [said("caller", spoken, "The business was set up by ", ("PERSON", l1), ", ",
              ("PERSON", l2), " and ", ("PERSON", l3), ".")],
        [said("caller", spoken, "I think ", ("PERSON", f"{f1} {l1}"), " opened the account.")],
        [said("caller", spoken, "My wife ", ("PERSON", f2), " usually pays the bill.")],
        [said("agent", spoken, "I'll pass a note to Dr. ", ("PERSON", l3), " today.")],
        [said("caller", spoken, "Please ask for Mrs. ", ("PERSON", l2), " at the front desk.")],
    ))  # fmt: skip


def world_street(b: Builder, spoken: bool) -> list[SegmentRecord]:
    street = b.pick(WORLD_STREETS)
    return b.deal((
        [said("caller", spoken, "We moved to ", ("STREET_ADDRESS", street), " last month.")],
        [said("caller", spoken, "The parcel was left at the depot on ",
              ("STREET_ADDRESS", street), ".")],
        [said("agent", spoken, "So the billing address is still on ",
              ("STREET_ADDRESS", street), "?")],
        [said("caller", spoken, "I live just off ", ("STREET_ADDRESS", street), " near the park.")],
    ))  # fmt: skip


# Addresses as other countries write them: the number after the street, the postcode before
# the city (written by hand for development; the held-out set draws its own).
WORLD_ADDRESSES = (
    ("Lindenstraße 12", "10115 Berlin"), ("Calle Mayor 5", "28013 Madrid"),
    ("Via Roma 10", "00184 Roma"), ("12 rue des Lilas", "75011 Paris"),
    ("Keizersgracht 123", "1015 CJ Amsterdam"), ("Sveavägen 44", "111 34 Stockholm"),
    ("Mannerheimintie 8", "00100 Helsinki"), ("ul. Marszałkowska 27", "00-639 Warszawa"),
    ("Vinohradská 61", "120 00 Praha"), ("Rua Augusta 274", "1100-053 Lisboa"),
    ("7 Avenue Victor Hugo", "69002 Lyon"), ("Bahnhofstrasse 3", "8001 Zürich"),
    ("Storgata 15", "0184 Oslo"), ("Nørrebrogade 20", "2200 København"),
    ("Bağdat Caddesi 120", "34728 İstanbul"), ("Kungsholmstorg 5", "112 21 Stockholm"),
    ("Petőfi Sándor utca 9", "1052 Budapest"), ("Na Příkopě 22", "110 00 Praha"),
    ("Laugavegur 18", "101 Reykjavík"), ("Sankt Annæ Plads 4", "1250 København"),
    ("15 Chemin des Vignes", "13100 Aix"), ("Piazza Navona 45", "00186 Roma"),
    ("2214 Larkspur Lane, Apt 4", "Boise, ID 83702"), ("88 Cobblestone Road", "Akron, Ohio 44308"),
    ("431 Quarry Street", "Burlington, Vermont 05401"),
)  # fmt: skip


def world_address(b: Builder, spoken: bool) -> list[SegmentRecord]:
    street, city = b.pick(WORLD_ADDRESSES)
    if spoken:
        street = re.sub(r"\d+", lambda m: cardinal(int(m.group())), street)
        city = re.sub(r"\d+", lambda m: say_digits(m.group()), city)
    full = f"{street}, {city}"
    return b.deal((
        [said("caller", spoken, "The new address is ", ("STREET_ADDRESS", full), ".")],
        [said("agent", spoken, "And the delivery goes to ", ("STREET_ADDRESS", full),
              ", correct?")],
        [said("caller", spoken, "I'm at ", ("STREET_ADDRESS", street), " now, second floor.")],
        [said("agent", spoken, "What's the billing address?"),
         said("caller", spoken, ("STREET_ADDRESS", full), ".")],
    ))  # fmt: skip


def neg_world(b: Builder, spoken: bool) -> list[SegmentRecord]:
    """Places, brands and foreign words that are not personal data, some also given names."""
    return b.deal((
        [said("caller", spoken, "We flew into Zürich and took the train to Lausanne.")],
        [said("caller", spoken, "The Bosch dishwasher leaks again, same as in March.")],
        [said("agent", spoken, "Is the hotel in Málaga refundable or not?")],
        [said("caller", spoken, "I ordered the Jordan sneakers and got the wrong size.")],
        [said("caller", spoken, "The Sonos speaker won't join the network.")],
        [said("agent", spoken, "Our office in São Paulo handles Brazil.")],
        [said("caller", spoken, "I paid with Apple Pay at the Ikea in Malmö.")],
        [said("caller", spoken, "The tickets were for the Salzburg festival in August.")],
        [said("agent", spoken, "Grant us a day, the Dakota warehouse is behind.")],
        [said("caller", spoken, "Can I pick it up at the Victoria station kiosk?")],
        [said("caller", spoken, "My Škoda is in the garage, so I'll take the bus.")],
        [said("agent", spoken, "The crème and the jalapeño dip were both out of stock.")],
        [said("caller", spoken, "The Lufthansa flight from Düsseldorf landed two hours late.")],
        [said("agent", spoken, "Your Nokia and the Bose headphones ship from Tilburg.")],
    ))  # fmt: skip


def address_street_only(b: Builder) -> list[SegmentRecord]:
    """A street named without a house number: it still says where someone or something is."""
    street = b.pick(STREETS)
    return [b.deal((
        agent("You can drop it off at our store on ", ("STREET_ADDRESS", f"{street} Street"), "."),
        caller("I went to the ", ("STREET_ADDRESS", f"{street} Avenue"), " branch yesterday."),
        agent("Our warehouse on ", ("STREET_ADDRESS", f"{street} Lane"),
              " in Memphis shipped it Tuesday."),
        caller("The tower near ", ("STREET_ADDRESS", f"{street} Road"),
               " has been down all week."),
        caller("I'm near the corner of ", ("STREET_ADDRESS", f"{street} Street"), " and Fifth."),
    ))]  # fmt: skip


def neg_sizes(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller("I'm paying for five hundred megabits and getting twenty."),
        caller("It's a 65 inch TV."),
        agent("The two gig plan is available at your address."),
        caller("I have 100 gigabytes of data and it's all gone."),
        caller("The speed test says 8.4 megs down."),
        agent("You're on the 300 megabit tier."),
    ))]  # fmt: skip


def neg_error_code(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller("It keeps saying error code four oh four."),
        caller("The screen shows E-17 and then it reboots."),
        caller("I get error 1603 when I install it."),
        agent("Error code five oh two means the server's busy."),
        caller("The light blinks three times, then error 38."),
    ))]  # fmt: skip


def neg_toll_free(b: Builder) -> list[SegmentRecord]:
    area = b.pick(TOLL_FREE)
    line = f"{b.digits(3, False)}-{b.digits(4)}"
    head = "eight hundred" if area == "800" else say_digits(area)
    spoken_toll_free = f"one {head}, {say_groups([line[:3], line[4:]])}"
    return [b.deal((
        caller(f"I called 1-{area}-{line} like the letter said."),
        caller(f"I called the number on the back of the card, {spoken_toll_free}."),
        agent(f"You can reach billing directly at 1-{area}-{line}."),
        caller(f"The text came from {area}-{line}, is that you guys?"),
    ))]  # fmt: skip


def neg_magnitude(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller("I've restarted it like a thousand times."),
        agent("We have over two million customers in the area."),
        caller("That's thousands of dollars over the years."),
        caller("There were maybe a hundred people in line."),
        agent("About one in ten thousand devices has that issue."),
    ))]  # fmt: skip


def neg_brands(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller("My Dell laptop can't find the Wi-Fi."),
        caller("I pay through the Wells Fargo app."),
        caller("Alexa keeps saying the device is offline."),
        caller("I drive a Lincoln and the app won't pair."),
        caller("I bought it at Best Buy with my Chase card."),
        caller("It works on the Roku but not on the Apple TV."),
        caller("I use Capital One for autopay."),
    ))]  # fmt: skip


def neg_city(b: Builder) -> list[SegmentRecord]:
    city = b.pick(CITIES)
    return [b.deal((
        caller(f"I'm in {city[0]}, is there an outage?"),
        caller(f"I moved to {city[0]}, {city[1]} last month."),
        agent(f"There's a known outage in the {city[0]} area."),
        caller(f"I'm calling from {city[1]}."),
    ))]  # fmt: skip


def neg_extension(b: Builder) -> list[SegmentRecord]:
    ext = b.digits(4, lead_zero=False)
    return [
        b.deal(
            (
                agent(f"If we get cut off, my direct extension is {ext}."),
                agent(f"Ask for extension {say_digits(ext)}."),
                caller(f"They told me to dial extension {ext}."),
            )
        )
    ]


def neg_travel(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller(f"I was in room {b.rng.randint(101, 940)} and the AC was broken."),
        caller(f"My flight was {b.pick(('UA', 'DL', 'AA'))} {b.rng.randint(100, 2999)}."),
        caller(f"Seat {b.rng.randint(3, 38)}C, and it didn't recline."),
        agent(f"You're booked at gate B{b.rng.randint(2, 40)}."),
        caller("We stayed three nights in room four twelve."),
    ))]  # fmt: skip


def neg_age(b: Builder) -> list[SegmentRecord]:
    return [b.deal((
        caller(f"I'm {below_100(b.rng.randint(60, 89))} years old, I can't climb on the roof."),
        caller(f"My son is {b.rng.randint(8, 16)} and he has his own line."),
        caller(f"I'm {b.rng.randint(65, 90)}, does the senior discount apply?"),
        agent("You need to be eighteen to open the account."),
    ))]  # fmt: skip


def neg_keypresses(b: Builder) -> list[SegmentRecord]:
    return [
        b.deal(
            (
                caller("I pressed one, then two, then zero and it hung up."),
                caller("It kept telling me to press nine."),
                caller("I hit pound and then star and nothing."),
                caller("The menu said press three for billing, so I pressed three."),
            )
        )
    ]


FAMILIES: tuple[tuple[str, int, Family], ...] = (
    ("person.intro", 8, person_intro),
    ("person.agent_greeting", 4, person_agent_greeting),
    ("person.spelled", 7, person_spelled),
    ("person.split_segments", 3, person_split_segments),
    ("person.split_turns", 3, person_split_turns),
    ("person.third_party", 5, person_third_party),
    ("person.with_brands", 3, person_brands),
    ("phone.written", 6, phone_written),
    ("phone.spoken", 8, phone_spoken),
    ("phone.readback", 4, phone_readback),
    ("phone.split_segments", 4, phone_split_segments),
    ("phone.split_turns", 4, phone_split_turns),
    ("email.spoken", 9, email_spoken),
    ("email.written", 5, email_written),
    ("email.readback", 3, email_readback),
    ("email.split_segments", 3, email_split_segments),
    ("email.split_turns", 3, email_split_turns),
    ("card.spoken", 7, card_spoken),
    ("card.written", 5, card_written),
    ("card.split_segments", 5, card_split_segments),
    ("card.split_turns", 5, card_split_turns),
    ("card.full_payment", 6, card_full_payment),
    ("cvv.spoken", 8, cvv_spoken),
    ("cvv.written", 4, cvv_written),
    ("expiry.spoken", 9, expiry_spoken),
    ("expiry.written", 5, expiry_written),
    ("ssn.spoken", 6, ssn_spoken),
    ("ssn.written", 6, ssn_written),
    ("ssn.last_four", 5, ssn_last_four),
    ("ssn.split_segments", 3, ssn_split_segments),
    ("ssn.split_turns", 3, ssn_split_turns),
    ("bank.spoken", 5, bank_spoken),
    ("bank.written", 4, bank_written),
    ("bank.with_routing", 6, bank_with_routing),
    ("bank.split_segments", 3, bank_split_segments),
    ("bank.split_turns", 3, bank_split_turns),
    ("routing.spoken", 6, routing_spoken),
    ("routing.written", 5, routing_written),
    ("routing.split_segments", 3, routing_split_segments),
    ("routing.split_turns", 2, routing_split_turns),
    ("iban.spoken", 6, iban_spoken),
    ("iban.written", 6, iban_written),
    ("iban.split_segments", 3, iban_split_segments),
    ("iban.split_turns", 3, iban_split_turns),
    ("address.spoken", 7, address_spoken),
    ("address.written", 6, address_written),
    ("address.full", 5, address_full),
    ("address.split_segments", 4, address_split_segments),
    ("address.split_turns", 4, address_split_turns),
    ("address.readback", 3, address_readback),
    ("dob.spoken", 7, dob_spoken),
    ("dob.written", 5, dob_written),
    ("dob.numeric_spoken", 4, dob_numeric_spoken),
    ("dob.split_segments", 3, dob_split_segments),
    ("dob.split_turns", 2, dob_split_turns),
    ("dob.readback", 3, dob_readback),
    ("verification.name_dob", 6, verification),
    ("ip.spoken", 7, ip_spoken),
    ("ip.written", 7, ip_written),
    ("ip.split_segments", 4, ip_split_segments),
    ("passport.spoken", 7, passport_spoken),
    ("passport.written", 7, passport_written),
    ("passport.split_segments", 2, passport_split_segments),
    ("passport.split_turns", 2, passport_split_turns),
    ("account_id.spoken", 7, account_id_spoken),
    ("account_id.written", 8, account_id_written),
    ("account_id.split_segments", 3, account_id_split_segments),
    ("account_id.split_turns", 3, account_id_split_turns),
    ("pin.spoken", 10, pin_spoken),
    ("pin.written", 8, pin_written),
    ("negative.price", 7, neg_price),
    ("negative.quantity", 6, neg_quantity),
    ("negative.duration", 6, neg_duration),
    ("negative.date", 9, neg_date),
    ("negative.dialogue", 8, neg_dialogue),
    ("negative.time", 6, neg_time),
    ("negative.product", 8, neg_product),
    ("negative.reference_number", 8, neg_reference_numbers),
    ("negative.percentage", 5, neg_percentage),
    ("negative.ordinary_numbers", 8, neg_ordinary_numbers),
    ("negative.version", 6, neg_version),
    ("negative.weekday", 4, neg_weekday),
    ("negative.last_four", 7, neg_last_four),
    ("negative.asks", 9, neg_asks),
    ("address.street_only", 5, address_street_only),
    ("negative.sizes", 5, neg_sizes),
    ("negative.error_code", 5, neg_error_code),
    ("negative.toll_free", 5, neg_toll_free),
    ("negative.magnitude", 4, neg_magnitude),
    ("negative.brands", 7, neg_brands),
    ("negative.city", 4, neg_city),
    ("negative.extension", 3, neg_extension),
    ("negative.travel", 5, neg_travel),
    ("negative.age", 4, neg_age),
    ("negative.keypresses", 4, neg_keypresses),
    *(
        (f"{kind}.{form}", count, functools.partial(family, spoken=form == "spoken"))
        for kind, count, family in (
            ("person.world_cue", 10, world_cue),
            ("person.world_answer", 12, world_answer),
            ("person.world_greeting", 8, world_greeting),
            ("person.world_mentioned", 12, world_mentioned),
            ("address.world_street", 8, world_street),
            ("address.world_address", 24, world_address),
            ("negative.world", 14, neg_world),
        )
        for form in ("written", "spoken")
    ),
)


def build_cases(seed: int = SEED) -> list[CaseRecord]:
    builder = Builder(seed)
    cases: list[CaseRecord] = []
    for kind, count, family in FAMILIES:
        builder.kind = kind
        for n in range(1, count + 1):
            segments = family(builder)
            cases.append(CaseRecord(id=f"{kind}-{n:03d}", kind=kind, segments=segments))
    return cases


def render(cases: Sequence[CaseRecord]) -> str:
    return "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases)


def write_set(path: Path, cases: Sequence[CaseRecord]) -> None:
    """Write a set's `cases` to `path` and say how many there are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(cases), encoding="utf-8")
    negatives = sum(not any(s["entities"] for s in c["segments"]) for c in cases)
    print(f"wrote {len(cases)} cases ({negatives} without entities) to {path}")


def write_cases(path: Path = CASES_PATH) -> list[CaseRecord]:
    cases = build_cases()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(cases), encoding="utf-8")
    return cases


def main() -> None:
    cases = write_cases()
    negatives = sum(not any(s["entities"] for s in c["segments"]) for c in cases)
    print(f"wrote {len(cases)} cases ({negatives} without entities) to {CASES_PATH}")


if __name__ == "__main__":
    main()
