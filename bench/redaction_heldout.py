"""The held-out PII-redaction evaluation set: contact-center call snippets with multinational
names and addresses, written independently of the development set (bench/redaction_cases.py).

    python -m bench.redaction_heldout      # rewrites tests/data/redaction/heldout.jsonl

FROZEN. This set measures how the redactor does on data it was not tuned on. Nobody tunes the
redactor (its recognizers, deny/allow lists, thresholds or patterns) against it, reads its misses
to fix them, or regenerates it with other templates or seeds after seeing a score; its figures
are reported as held-out figures, next to (never merged with) those of the development set. A
change to this module that changes the output makes a new held-out set, which must be frozen
again before the redactor is scored on it.

Independence. The sentence templates here were written fresh, without reading the development
set's templates or the recognizers in warmtransfer/rag/redaction/. The development set takes its
names from Faker's en_US locale; this set takes none from there:

- Names: mimesis 22.2.0 `Person` in 27 Latin-script locales (az, cs, da, de, de-at, de-ch,
  en-au, en-ca, en-gb, es, es-mx, et, fi, fr, hr, hu, is, it, nl, nl-be, no, pl, pt, pt-br, sk,
  sv, tr), and Faker's own name lists of 23 non-US locales whose names are in Latin script:
  ja_JP, zh_CN and zh_TW (their romanized names), vi_VN, id_ID, yo_NG, ig_NG, ha_NG, en_NG,
  zu_ZA, tw_GH, en_IN, en_PK, en_KE, ga_IE, lt_LT, lv_LV, ro_RO, sl_SI, uz_UZ, en_TH, es_CO,
  fr_CA. Only the lists a locale defines itself are used (never Faker's generic fallback), a
  name is drawn first and last of one gender where the locale has gendered lists, and every
  letter of a name is Latin script, accents and all ("Þórunn Sigurðardóttir", "Grațian
  Mazilescu"). Locales are dealt from a shuffled deck, so every one of them is used.
- Addresses: mimesis `Address` parts (street name and suffix, house number, city, postal code,
  US state, unit) of en (US-style addresses: "1187 Juniper Avenue, Apt. 3, Dayton, OH 45402"),
  en-gb, en-au, en-ca and 22 other locales, put together in each country's usual order
  ("Orankesee 24, 46700 Senftenberg", "14 Boulevard Abel Gance, 67008 Les Mureaux").
- Other values are made here, valid where a validator exists: US phone numbers (NANP rules),
  card numbers (Luhn), SSNs (no area 000, 666 or 9xx, group 00 or serial 0000), IBANs (their
  check digits), IPv4 addresses, e-mail addresses made from the set's names, dates of birth
  (ages are counted to the fixed REFERENCE_DAY, so the set is the same on any day: nothing here
  reads the clock).

Everything runs on fixed seeds (`SEED`: one `random.Random` for the template choices and
values, each mimesis provider and each Faker instance seeded from it), so the output is the same
on every run and the file is committed; tests/rag/test_redaction_heldout.py checks it is what
this module writes.

Cases. About 310 source cases of 1 to 4 segments between a caller and an agent: a full name
after a cue ("my name is ...", "you're speaking with ..."), a surname alone answering "What's
your last name?", a first name alone answering "And your first name?", a first name in a
greeting or thanks ("Thanks, Jiří, that helps"), names with letters beyond English, names in
lists ("founded by Lindqvist, Brandt and Moreau"), names mid-sentence without a cue ("my
daughter Ingrid handles the bills"), titles ("Mrs. Kowalczyk": the title is outside the span),
third persons, family members and agents; full addresses (US and international), a house number
and street alone, and a street named without a house number near an address cue ("we're on
Kastanienallee now"); fewer cases of phone numbers, dates of birth, e-mail addresses, card
numbers, SSNs, IBANs and IP addresses; and about 15% negative cases (families `negative.*`, no
entities) full of capitalized words that are not personal data: companies, brands, products,
departments, weekdays, months, cities, countries, amounts, order and ticket numbers.

Forms. Every source case appears twice, as `<family>-NNN.written` and `<family>-NNN.spoken`
(kind `<family>.written` / `<family>.spoken`), with its labels pointing at the exact spans of
each form (offsets are counted while the text is put together, never searched for):

- written: as speech-to-text with smart formatting writes it: capitalized and punctuated, with
  digits and symbols ("(937) 555-0142", "4539 1488 0343 6467", "anna.berg@gmx.at").
- spoken: as raw speech-to-text writes it: all lowercase, no punctuation but apostrophes (and
  the commas some long numbers are said with), numbers and symbols as words ("nine three seven,
  five five five, oh one four two", "anna dot berg at gmx dot at"), titles as words ("missus",
  "doctor"), hyphens as spaces; names are lowercased but keep their letters ("þórunn
  sigurðardóttir").

The file has one JSON object a line, in the development set's schema (read by
bench.eval_redaction.load_cases):

    {"id": "person.surname_answer-012.written", "kind": "person.surname_answer.written",
     "segments": [{"speaker": "agent", "text": "What's your last name?", "entities": []},
                  {"speaker": "caller", "text": "Okonkwo.",
                   "entities": [{"type": "PERSON", "start": 0, "end": 7}]}]}

Labelling: the development set's conventions (bench/redaction_cases.py), with one exception.
A span is the value only, never its cue, with no leading or trailing space or punctuation (a
written phone number keeps the parenthesis that opens its area code: "<(937) 555-0142>").
PERSON is a person's name as said, first and last together when said together, titles outside;
every name is a span, agents' and family members' included, each name of a list its own span.
STREET_ADDRESS runs from the house number through the street suffix, plus unit, city, state and
postal code when they follow in the same breath; the exception: a named street WITHOUT a house
number near an address cue ("the depot is on <Juniper Avenue>", "I live off <Rue Daguerre>") is
labelled STREET_ADDRESS too, from the street name through its suffix (or from the street type
through the name: "<ul. Żabia>"). A city, state or country alone is not labelled. PHONE_NUMBER,
EMAIL_ADDRESS, CREDIT_CARD, US_SSN, IBAN_CODE and IP_ADDRESS are the whole value;
DATE_OF_BIRTH is a date said as someone's date of birth. Ages, amounts, times, weekdays, months,
order and ticket numbers, companies, brands, products and departments are not personal data.
US driver's license numbers are not in the set: warmtransfer.rag.redaction.model.ENTITY_TYPES
has no type for them.
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from string import Formatter
from typing import Any

from faker import Faker
from mimesis import Address, Person
from mimesis.enums import Gender
from mimesis.locales import Locale

__all__ = [
    "FAKER_NAME_LOCALES",
    "HELDOUT_PATH",
    "MIMESIS_NAME_LOCALES",
    "REFERENCE_DAY",
    "SEED",
    "HeldoutSet",
    "build_cases",
    "build_set",
    "iban_ok",
    "luhn_ok",
    "main",
    "render",
    "ssn_ok",
    "trimmed",
]

HELDOUT_PATH = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "redaction" / "heldout.jsonl"
)
SEED = 4_170_923
REFERENCE_DAY = date(2026, 11, 25)
"""The day ages are counted to (nothing reads the clock)."""

MIMESIS_NAME_LOCALES: tuple[str, ...] = (
    "az", "cs", "da", "de", "de-at", "de-ch", "en-au", "en-ca", "en-gb", "es", "es-mx", "et",
    "fi", "fr", "hr", "hu", "is", "it", "nl", "nl-be", "no", "pl", "pt", "pt-br", "sk", "sv",
    "tr",
)  # fmt: skip
FAKER_NAME_LOCALES: tuple[str, ...] = (
    "ja_JP", "zh_CN", "zh_TW", "vi_VN", "id_ID", "yo_NG", "ig_NG", "ha_NG", "en_NG", "zu_ZA",
    "tw_GH", "en_IN", "en_PK", "en_KE", "ga_IE", "lt_LT", "lv_LV", "ro_RO", "sl_SI", "uz_UZ",
    "en_TH", "es_CO", "fr_CA",
)  # fmt: skip
_ROMANIZED = frozenset({"ja_JP", "zh_CN", "zh_TW"})

# Street addresses: (locale, country said alone). The order of the parts is each country's own.
_ADDRESS_LOCALES: tuple[tuple[str, str], ...] = (
    ("de", "Germany"), ("de-at", "Austria"), ("de-ch", "Switzerland"), ("fr", "France"),
    ("es", "Spain"), ("it", "Italy"), ("nl", "the Netherlands"), ("nl-be", "Belgium"),
    ("pl", "Poland"), ("cs", "the Czech Republic"), ("sk", "Slovakia"), ("sv", "Sweden"),
    ("no", "Norway"), ("da", "Denmark"), ("fi", "Finland"), ("is", "Iceland"),
    ("hu", "Hungary"), ("hr", "Croatia"), ("pt", "Portugal"), ("pt-br", "Brazil"),
    ("tr", "Turkey"), ("et", "Estonia"), ("en-gb", "the UK"), ("en-au", "Australia"),
    ("en-ca", "Canada"),
)  # fmt: skip
_COUNTRY = dict(_ADDRESS_LOCALES)

# --- Numbers, letters and symbols as words --------------------------------------------------

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINALS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth", "twenty": "twentieth", "thirty": "thirtieth",
}  # fmt: skip
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def cardinal(n: int) -> str:
    """12 -> "twelve", 342 -> "three hundred forty two", 4500 -> "four thousand five hundred"."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {cardinal(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{cardinal(thousands)} thousand" + (f" {cardinal(rest)}" if rest else "")


def paired(n: int) -> str:
    """A house number, octet or year as said: 1187 -> "eleven eighty seven", 405 -> "four oh
    five", 1200 -> "twelve hundred", 2005 -> "two thousand five", 1984 -> "nineteen eighty
    four"."""
    if n < 100:
        return cardinal(n)
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        if not rest:
            return f"{_ONES[hundreds]} hundred"
        return f"{_ONES[hundreds]} " + (f"oh {_ONES[rest]}" if rest < 10 else cardinal(rest))
    if n < 10000:
        high, low = divmod(n, 100)
        if not n % 1000:
            return f"{cardinal(n // 1000)} thousand"
        if not low:
            return f"{cardinal(high)} hundred"
        if not high % 10 and low < 10:
            return f"{cardinal(n // 1000)} thousand {_ONES[low]}"
        return f"{cardinal(high)} " + (f"oh {_ONES[low]}" if low < 10 else cardinal(low))
    return cardinal(n)


def ordinal(n: int) -> str:
    """5 -> "fifth", 23 -> "twenty third", 30 -> "thirtieth"."""
    words = cardinal(n).split()
    last = words[-1]
    words[-1] = _ORDINALS.get(last, last + "th")
    return " ".join(words)


def say_chars(text: str, zero: str = "oh") -> str:
    """Digits and letters one by one: "L6U 0A8" -> "l six u oh a eight"."""
    said = []
    for ch in text:
        if ch.isdigit():
            said.append(zero if ch == "0" else _ONES[int(ch)])
        elif ch.isalpha():
            said.append(_lower(ch))
    return " ".join(said)


def _lower(text: str) -> str:
    # Python lowercases "İ" to "i" plus a combining dot; speech-to-text writes a plain "i".
    return text.replace("İ", "i").lower()


# --- Validators -------------------------------------------------------------------------------


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return len(digits) >= 12 and total % 10 == 0


def ssn_ok(ssn: str) -> bool:
    digits = "".join(c for c in ssn if c.isdigit())
    if len(digits) != 9:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return (
        area not in ("000", "666")
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
        and digits != "078051120"
    )


def _iban_number(text: str) -> int:
    return int("".join(str(int(c, 36)) for c in text))


def iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "").upper()
    return len(compact) > 4 and _iban_number(compact[4:] + compact[:4]) % 97 == 1


# --- Values -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Value:
    """What fills one slot of a template: its written and spoken text, and its entity type
    (None: not personal data)."""

    written: str
    spoken: str
    type: str | None = None


@dataclass(frozen=True, slots=True)
class Name:
    first: str
    last: str
    gender: str  # "m" or "f"
    locale: str

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


def _speak_name(text: str) -> str:
    return re.sub(r"\s+", " ", _lower(text).replace("-", " "))


def _is_latin_name(text: str) -> bool:
    letters = [c for c in text if c not in " -'"]
    return (
        len(letters) >= 2
        and text == text.strip()
        and "  " not in text
        and all(c.isalpha() and "LATIN" in unicodedata.name(c, "") for c in letters)
        and text[0].isupper()
        and text[-1].isalpha()
    )


def _clean_name(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\u2019", "'")).strip()
    if text.isupper() and len(text) > 1:  # zh_TW romanized names come in capitals
        text = "-".join(part.capitalize() for part in text.split("-"))
        text = " ".join(part[:1].upper() + part[1:] for part in text.split(" "))
    return text


class _FakerNames:
    """Names from one Faker locale's own lists (never Faker's generic fallback)."""

    def __init__(self, locale: str, seed: int) -> None:
        import faker.providers.person as base

        self.faker = Faker(locale)
        self.faker.seed_instance(seed)
        provider = self.faker.provider("faker.providers.person")
        romanized = "romanized_" if locale in _ROMANIZED else ""
        self.lists: dict[str, Any] = {}
        for cls in type(provider).__mro__:
            if cls is base.Provider:
                break
            for kind in ("first", "last"):
                for suffix in ("_male", "_female", ""):
                    key = f"{kind}_{romanized}names{suffix}"
                    if key in cls.__dict__ and f"{kind}{suffix}" not in self.lists:
                        self.lists[f"{kind}{suffix}"] = cls.__dict__[key]
        if "first" not in self.lists and not {"first_male", "first_female"} <= self.lists.keys():
            raise ValueError(f"Faker {locale} has no first names of its own")
        if "last" not in self.lists:
            raise ValueError(f"Faker {locale} has no last names of its own")

    def draw(self, gender: str) -> tuple[str, str]:
        suffix = "_male" if gender == "m" else "_female"
        first = self.lists.get(f"first{suffix}") or self.lists["first"]
        last = self.lists.get(f"last{suffix}") or self.lists["last"]
        return str(self.faker.random_element(first)), str(self.faker.random_element(last))


class _MimesisNames:
    def __init__(self, locale: str, seed: int) -> None:
        self.person = Person(Locale(locale), seed=seed)

    def draw(self, gender: str) -> tuple[str, str]:
        g = Gender.MALE if gender == "m" else Gender.FEMALE
        return self.person.first_name(gender=g), self.person.last_name(gender=g)


class _Deck:
    """Deals items from a shuffled deck, reshuffled when empty: every item comes up in turn."""

    def __init__(self, items: Sequence[str], rng: random.Random) -> None:
        self.items = list(items)
        self.rng = rng
        self.left: list[str] = []

    def deal(self) -> str:
        if not self.left:
            self.left = self.items[:]
            self.rng.shuffle(self.left)
        return self.left.pop()


_STREET_TYPES = (
    "Calle", "Avenida", "Av", "Plaza", "Paseo", "Camino", "Ronda", "Travesía", "Carrera",
    "Glorieta", "Rua", "Praça", "Travessa", "Alameda", "Largo", "Estrada", "Rodovia", "Quadra",
)  # fmt: skip
_SPOKEN_ABBREVIATIONS = {
    "ul.": "ulica",
    "al.": "aleja",
    "Prom.": "promenade",
    "St": "street",
    "Av": "avenue",
    "Apt.": "apartment",
}
_NUMBER_FIRST = frozenset({"en", "en-gb", "en-au", "en-ca", "fr"})


def _speak_words(text: str) -> str:
    words = [_SPOKEN_ABBREVIATIONS.get(w, w) for w in text.replace(",", "").split()]
    return _speak_name(" ".join(words))


def _street_word_ok(text: str) -> bool:
    return bool(text) and not re.search(r"[\d.,()/&\"]", text) and text[0].isupper()


class _Addresses:
    def __init__(self, seed: int) -> None:
        self.providers: dict[str, Address] = {}
        for i, locale in enumerate(["en", *(loc for loc, _ in _ADDRESS_LOCALES)]):
            self.providers[locale] = Address(Locale(locale), seed=seed + 7919 * (i + 1))
        us = self.providers["en"]
        # mimesis 22.2.0 keeps the states' abbreviations and names in two parallel lists.
        self.states = list(
            zip(us._extract(["state", "abbr"]), us._extract(["state", "name"]), strict=True)
        )

    def street(self, locale: str) -> tuple[str, str]:
        """A street without its number: (written, spoken)."""
        a = self.providers[locale]
        for _ in range(100):
            name = a.street_name().strip()
            if locale == "hu":
                name = " ".join(w[:1].upper() + w[1:] for w in name.split())
            if not _street_word_ok(name):
                continue
            if locale in ("en", "en-gb", "en-au", "en-ca", "hu", "tr", "et", "az"):
                written = f"{name} {a.street_suffix()}"
            elif locale in ("fr", "hr", "pl"):
                written = f"{a.street_suffix()} {name}"
            elif locale == "it":
                written = f"{a.random.choice(['Via', 'Viale'])} {name}"
            elif locale == "pt":
                written = f"Rua {name}"
            elif locale in ("es", "pt-br"):
                has_type = name.split()[0] in _STREET_TYPES
                written = name if has_type else f"{'Calle' if locale == 'es' else 'Rua'} {name}"
            else:
                written = name
            return written, _speak_words(written)
        raise RuntimeError(f"no usable street name in mimesis {locale}")

    def number(self, locale: str, maximum: int) -> int:
        return int(self.providers[locale].street_number(maximum=maximum))

    def city(self, locale: str) -> str:
        a = self.providers[locale]
        for _ in range(100):
            city = a.city().strip()
            if _street_word_ok(city):
                return city
        raise RuntimeError(f"no usable city in mimesis {locale}")

    def postcode(self, locale: str) -> str:
        code = self.providers[locale].postal_code()
        return code.removeprefix("DK-")

    def numbered_street(self, locale: str) -> tuple[str, str]:
        """House number and street: "1187 Juniper Avenue", "Orankesee 24"."""
        street, said = self.street(locale)
        n = self.number(locale, 9999 if locale == "en" else 240)
        if locale in _NUMBER_FIRST:
            return f"{n} {street}", f"{paired(n)} {said}"
        comma = "," if locale == "es" else ""
        return f"{street}{comma} {n}", f"{said} {paired(n)}"

    def us_address(self, rng: random.Random) -> tuple[str, str]:
        """A US-style address: number, street, suffix, (unit,) city, state (and ZIP)."""
        street, said = self.numbered_street("en")
        written, spoken = [street], [said]
        if rng.random() < 0.4:
            n = rng.randint(1, 40)
            letter = chr(rng.randint(65, 72))
            written.append(
                rng.choice([f"Apt {n}", f"Apt. {n}", f"Suite {n * 10}", f"Unit {n}{letter}"])
            )
            kind = written[-1].split()[0]
            spoken.append(
                f"apartment {cardinal(n)}"
                if kind.startswith("Apt")
                else f"suite {paired(n * 10)}"
                if kind == "Suite"
                else f"unit {cardinal(n)} {_lower(letter)}"
            )
        city = self.city("en")
        written.append(city)
        spoken.append(_speak_name(city))
        abbr, state = rng.choice(self.states)
        zip_code = self.providers["en"].postal_code() if rng.random() < 0.8 else ""
        zero = rng.choice(["oh", "zero"])
        written.append(f"{abbr} {zip_code}".strip())
        spoken.append(f"{_lower(state)} {say_chars(zip_code, zero)}".strip())
        return ", ".join(written), " ".join(spoken)

    def intl_address(self, locale: str, rng: random.Random) -> tuple[str, str]:
        """Street, number, postal code and city in the country's usual order."""
        street, said = self.numbered_street(locale)
        city = self.city(locale)
        code = self.postcode(locale)
        zero = rng.choice(["oh", "zero"])
        if locale.startswith("en"):
            written = f"{street}, {city} {code}"
            spoken = f"{said} {_speak_name(city)} {say_chars(code, zero)}"
        else:
            written = f"{street}, {code} {city}"
            spoken = f"{said} {say_chars(code, zero)} {_speak_name(city)}"
        return written, spoken


_EMAIL_DOMAINS = (
    "gmail.com", "outlook.com", "yahoo.co.uk", "web.de", "gmx.at", "proton.me", "seznam.cz",
    "hotmail.fr", "icloud.com", "libero.it", "wp.pl", "mail.ru", "bluewin.ch", "orange.fr",
)  # fmt: skip
_FOLD = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "ß": "ss",
        "ł": "l",
        "đ": "d",
        "\u0131": "i",
        "þ": "th",
        "ð": "d",
        "œ": "oe",
    }
)


def _ascii_fold(text: str) -> str:
    text = _lower(text).translate(_FOLD)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isascii() and c.isalpha())


_COMPANIES = (
    "Telenor", "Lufthansa", "Vodafone", "Deutsche Bahn", "IKEA", "Zalando", "Wells Fargo",
    "Comcast", "Spotify", "Ryanair", "Nordea", "Allianz", "Philips", "Siemens", "Verizon",
    "Booking", "Santander", "Carrefour", "Heineken", "Orange",
)  # fmt: skip
_PRODUCTS = (
    "Kindle Paperwhite", "Pixel Fold", "Surface Laptop", "Roomba", "Galaxy Tab", "AirPods Pro",
    "Nest thermostat", "ThinkPad", "Dyson Airwrap", "Fire Stick", "Apple Watch", "PlayStation",
    "Echo Dot", "Nintendo Switch", "MacBook Air", "Fibre Max router",
)  # fmt: skip


@dataclass
class _Sources:
    rng: random.Random
    names: dict[str, _FakerNames | _MimesisNames]
    name_deck: _Deck
    addresses: _Addresses
    address_deck: _Deck
    used_names: set[str] = field(default_factory=set)

    def name(self, gender: str, non_ascii: str | None = None) -> Name:
        """A name not used before; `non_ascii`: its "first", "last" or "full" name has a letter
        beyond ASCII."""
        if gender not in ("m", "f"):
            gender = self.rng.choice("mf")
        for _ in range(400):
            locale = self.name_deck.deal()
            for _ in range(3):
                first, last = (_clean_name(x) for x in self.names[locale].draw(gender))
                if not (_is_latin_name(first) and _is_latin_name(last)):
                    continue
                full = f"{first} {last}"
                if full in self.used_names or first == last:
                    continue
                if non_ascii and {"first": first, "last": last, "full": full}[non_ascii].isascii():
                    continue
                self.used_names.add(full)
                return Name(first, last, gender, locale)
        raise RuntimeError("no usable name")

    def phone(self) -> Value:
        rng = self.rng
        area = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
        while area[1:] == "11":
            area = f"{rng.randint(2, 9)}{rng.randint(0, 8)}{rng.randint(0, 9)}"
        if rng.random() < 0.5:
            exchange, line = "555", f"01{rng.randint(0, 99):02d}"
        else:
            exchange = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
            while exchange[1:] == "11":
                exchange = f"{rng.randint(2, 9)}{rng.randint(0, 8)}{rng.randint(0, 9)}"
            line = f"{rng.randint(0, 9999):04d}"
        written = rng.choice([f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}"])
        zero = rng.choice(["oh", "zero"])
        sep = rng.choice([", ", " "])
        spoken = sep.join(say_chars(part, zero) for part in (area, exchange, line))
        return Value(written, spoken, "PHONE_NUMBER")

    def date_of_birth(self) -> tuple[Value, date]:
        rng = self.rng
        born = date(rng.randint(1941, 2006), rng.randint(1, 12), rng.randint(1, 28))
        month = MONTHS[born.month - 1]
        year = paired(born.year)
        style = rng.randrange(4)
        if style == 0:
            written = f"{month} {born.day}, {born.year}"
            spoken = f"{_lower(month)} {ordinal(born.day)} {year}"
        elif style == 1:
            written = f"{born.day} {month} {born.year}"
            spoken = f"the {ordinal(born.day)} of {_lower(month)} {year}"
        elif style == 2:
            written = f"{born.month:02d}/{born.day:02d}/{born.year}"
            spoken = f"{say_chars(f'{born.month:02d}')} {say_chars(f'{born.day:02d}')} {year}"
        else:
            written = f"{born.day}.{born.month}.{born.year}"
            spoken = f"{ordinal(born.day)} {_lower(month)} {year}"
        return Value(written, spoken, "DATE_OF_BIRTH"), born

    def email(self, name: Name) -> Value:
        rng = self.rng
        first, last = _ascii_fold(name.first) or "info", _ascii_fold(name.last) or "mail"
        domain = rng.choice(_EMAIL_DOMAINS)
        style = rng.randrange(4)
        year = rng.randint(70, 99)
        if style == 0:
            parts_w, parts_s = f"{first}.{last}", f"{first} dot {last}"
        elif style == 1:
            parts_w, parts_s = f"{first[0]}{last}", f"{first[0]} {last}"
        elif style == 2:
            parts_w, parts_s = f"{first}{year}", f"{first} {cardinal(year)}"
        else:
            parts_w, parts_s = f"{last}_{first[0]}", f"{last} underscore {first[0]}"
        written = f"{parts_w}@{domain}"
        spoken = f"{parts_s} at {' dot '.join(domain.split('.'))}"
        return Value(written, spoken, "EMAIL_ADDRESS")

    def card(self) -> Value:
        rng = self.rng
        kind = rng.choice(["visa", "mastercard", "amex"])
        if kind == "amex":
            digits = rng.choice(["34", "37"]) + "".join(str(rng.randint(0, 9)) for _ in range(12))
        else:
            start = "4" if kind == "visa" else str(rng.randint(51, 55))
            digits = start + "".join(str(rng.randint(0, 9)) for _ in range(15 - len(start)))
        for check in "0123456789":
            if luhn_ok(digits + check):
                digits += check
                break
        groups = (
            [digits[:4], digits[4:10], digits[10:]]
            if kind == "amex"
            else [digits[i : i + 4] for i in range(0, 16, 4)]
        )
        written = rng.choice([" ", "-"]).join(groups)
        zero = rng.choice(["oh", "zero"])
        spoken = rng.choice([", ", " "]).join(say_chars(g, zero) for g in groups)
        return Value(written, spoken, "CREDIT_CARD")

    def ssn(self) -> Value:
        rng = self.rng
        while True:
            area = rng.randint(1, 899)
            digits = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
            if ssn_ok(digits):
                break
        groups = (digits[:3], digits[3:5], digits[5:])
        zero = rng.choice(["oh", "zero"])
        spoken = rng.choice([", ", " "]).join(say_chars(g, zero) for g in groups)
        return Value("-".join(groups), spoken, "US_SSN")

    def iban(self) -> Value:
        rng = self.rng
        country, bban_mask = rng.choice(
            [
                ("DE", "#" * 18),
                ("GB", "@@@@" + "#" * 14),
                ("NL", "@@@@" + "#" * 10),
                ("FR", "#" * 23),
                ("ES", "#" * 20),
                ("AT", "#" * 16),
                ("PL", "#" * 24),
                ("FI", "#" * 14),
                ("NO", "#" * 11),
                ("CH", "#" * 17),
            ]
        )
        bban = "".join(
            str(rng.randint(0, 9)) if c == "#" else chr(rng.randint(65, 90)) for c in bban_mask
        )
        check = 98 - _iban_number(bban + country + "00") % 97
        compact = f"{country}{check:02d}{bban}"
        assert iban_ok(compact)
        groups = [compact[i : i + 4] for i in range(0, len(compact), 4)]
        zero = rng.choice(["oh", "zero"])
        return Value(" ".join(groups), " ".join(say_chars(g, zero) for g in groups), "IBAN_CODE")

    def ip(self) -> Value:
        rng = self.rng
        style = rng.randrange(3)
        if style == 0:
            octets = [192, 168, rng.randint(0, 254), rng.randint(2, 254)]
        elif style == 1:
            octets = [10, rng.randint(0, 254), rng.randint(0, 254), rng.randint(2, 254)]
        else:
            octets = [
                rng.choice([23, 37, 51, 62, 81, 89, 94, 109, 145, 178, 185, 203, 212]),
                *(rng.randint(1, 254) for _ in range(3)),
            ]
        return Value(
            ".".join(map(str, octets)), " dot ".join(paired(o) for o in octets), "IP_ADDRESS"
        )

    # Values that are not personal data.

    def amount(self) -> Value:
        dollars, cents = self.rng.randint(4, 480), self.rng.choice([0, 0, 99, 49, 20, 75, 15])
        if cents:
            return Value(
                f"${dollars}.{cents:02d}",
                f"{cardinal(dollars)} dollars and {cardinal(cents)} cents",
            )
        return Value(f"${dollars}", f"{cardinal(dollars)} dollars")

    def time(self, afternoon: bool) -> Value:
        """A morning time, or an afternoon one (the end of a range)."""
        hour = self.rng.randint(1, 6) if afternoon else self.rng.randint(7, 11)
        minute = self.rng.choice([0, 0, 15, 30, 45, 5])
        half = "PM" if afternoon else "AM"
        if minute:
            said_minute = f"oh {_ONES[minute]}" if minute < 10 else cardinal(minute)
            return Value(
                f"{hour}:{minute:02d} {half}", f"{cardinal(hour)} {said_minute} {half.lower()}"
            )
        return Value(f"{hour} {half}", f"{cardinal(hour)} {half.lower()}")

    def percent(self) -> Value:
        n = self.rng.choice([10, 15, 20, 25, 30, 40, 50])
        return Value(f"{n}%", f"{cardinal(n)} percent")

    def reference(self) -> Value:
        rng = self.rng
        letters = "".join(chr(rng.randint(65, 90)) for _ in range(rng.choice([2, 3])))
        digits = "".join(str(rng.randint(0, 9)) for _ in range(rng.choice([5, 6, 7])))
        return Value(f"{letters}-{digits}", f"{say_chars(letters)} {say_chars(digits)}")


# --- Templates ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Template:
    lines: tuple[tuple[str, str], ...]  # (speaker, written text with {slots})
    genders: str  # per person 1, 2, 3: "m", "f" or "-" (either)


def t(*lines: str, g: str = "") -> Template:
    """A template: lines "C: ..." (caller) or "A: ..." (agent); `g` the persons' genders."""
    speakers = {"C": "caller", "A": "agent"}
    return Template(tuple((speakers[line[0]], line[3:]) for line in lines), g)


FULL_CUE = [
    t("C: Hi, my name is {full} and I'm calling about a charge on my statement."),
    t("C: Hello, this is {full} calling, I had a missed call from this number."),
    t("A: Thank you for calling Northwind Energy, you're speaking with {full}, how can I help?"),
    t("C: Yes, hi, it's {full} from accounts, I'm returning a call from your colleague."),
    t("A: Can I have the name on the account, please?", "C: Sure, it's {full}."),
    t("A: Who do I have the pleasure of speaking with?", "C: {full}. I've been on hold for ages."),
    t("C: Good afternoon, {full} here, I'm following up on the refund."),
    t("C: My name's {full}, I'm the account holder."),
    t("A: And the policy is in whose name?", "C: It's under {full}, that's me."),
    t("C: Hi there, I'm {full}, I placed an order on {weekday}."),
    t("A: Could you confirm your full name for security?", "C: Yes, {full}."),
    t("A: Hello, my name is {full}, I'm a supervisor and I've been asked to pick up your case."),
    t("C: Yeah, hi. The account should be under {full}."),
    t("C: Hello? Yes, hello, it's {full} speaking."),
    t("A: Just to confirm, am I speaking with {full}?", "C: Yes, that's right."),
    t("C: Um, my name is {full}, and I think someone has been using my card."),
    t("A: I'm going to transfer you to my colleague {full}, who handles disputes."),
    t("C: The name is {full}, and it's first name {first}, if that helps."),
    t("A: Who's calling, please?", "C: This is {full}, I'm ringing from {city}."),
    t("C: Hiya, {full} here again, sorry, we got cut off."),
    t("A: And you are?", "C: Oh, sorry. {full}. I'm the tenant."),
    t("C: Hi, I'm calling for the first time, my name is {full}.", "A: Welcome, how can I help?"),
]

SURNAME = [
    t("A: What's your last name?", "C: {last}."),
    t("A: And the surname on the account?", "C: It's {last}."),
    t("A: Can I take your last name, please?", "C: Yeah, {last}."),
    t("A: Last name?", "C: {last}, same as on the card."),
    t("A: And what's the family name?", "C: {last}. Do you need me to spell it?"),
    t("A: Could I get the surname for the booking?", "C: Sure, the surname is {last}."),
    t("A: Whose name is the reservation under?", "C: Under {last}."),
    t(
        "A: What last name did you register with?",
        "C: I think it was {last}, my maiden name.",
        g="f",
    ),
    t("A: And your surname, sir?", "C: {last}.", g="m"),
    t("A: Sorry, I didn't catch your last name.", "C: It's {last}."),
    t(
        "A: Which surname should I search under?",
        "C: Try {last}. If nothing comes up, try my wife's, {last2}.",
        g="mf",
    ),
    t("A: What's the last name on the lease?", "C: Oh, it's {last}, but I go by my first name."),
    t("A: Okay, and the last name?", "C: {last}, yes."),
    t("A: Can you give me the patient's surname?", "C: {last}. She's my mother.", g="f"),
    t("A: The last name, please?", "C: Um, {last}."),
    t("A: And the surname of the account holder?", "C: That's {last}, with a capital letter."),
]

FIRST = [
    t("A: And your first name?", "C: {first}."),
    t("A: What's your first name?", "C: It's {first}."),
    t("A: Can I get a first name for the ticket?", "C: Yeah, just put {first}."),
    t("A: And the first name on the card?", "C: {first}, like on my licence."),
    t("A: And your first name, please?", "C: {first}, but everyone calls me {first2}."),
    t("A: What should I call you?", "C: {first} is fine."),
    t("A: And the account holder's first name?", "C: That'd be {first}."),
    t("A: Great, and your first name?", "C: Oh, sorry, {first}."),
    t("A: First name?", "C: {first}. Are you going to need my date of birth as well?"),
    t("A: Who's the order for? Just a first name is fine.", "C: {first}."),
    t("A: May I ask who's calling?", "C: It's {first}, from the flat upstairs."),
    t("A: And the first name of the person collecting it?", "C: {first}. He'll bring ID.", g="m"),
]

GREETING = [
    t("C: Hi {first}, I'm calling back about the parcel that never arrived."),
    t("A: So that's been sent now.", "C: Thanks, {first}, that helps a lot."),
    t("A: Morning {first}! What can I do for you today?"),
    t("C: Oh, hello {first}, we spoke yesterday about the router."),
    t("A: Good to hear from you again, {first}."),
    t("C: Cheers, {first}, have a good one."),
    t("A: Thank you for your patience, {first}, I've found the order."),
    t("C: Hey {first}, is {first2} still looking after my case?"),
    t("A: Alright {first}, I've reset it, can you try again now?"),
    t("C: Bye {first}, thanks again."),
    t("A: No problem at all, {first}. Anything else?"),
    t("C: Evening {first}, sorry to call so late."),
    t("A: Welcome back, {first}. I can see your last call was on {weekday}."),
    t("C: Thank you so much, {first}, you've been brilliant."),
    t("A: Okay {first}, bear with me one moment."),
    t("C: Hi, {first}? Yes, I was told to ask for you."),
    t("A: Sorry about that, {first}, the system is slow today."),
    t("C: Great, thanks {first}. And thank {first2} for me too."),
]

LISTS = [
    t("C: The firm was founded by {last}, {last2} and {last3}, and they all signed the contract."),
    t("C: I spoke to {first}, then {first2}, then a supervisor, and nobody fixed it."),
    t("A: The account has three authorised users: {full}, {full2} and {full3}."),
    t("C: It's me, my wife {first} and our son {first2} on the family plan.", g="fm"),
    t("C: Please remove {full} and {full2} from the account."),
    t("A: I can see notes from {first}, {first2} and {first3} on this ticket."),
    t("C: The shareholders are {last} and {last2}, fifty-fifty."),
    t("C: Can you add {first} and {first2} as named drivers on the policy?"),
    t(
        "A: So the tenants listed are {full} and {full2}, is that right?",
        "C: Yes, and {first3} moved in last month too.",
    ),
    t("C: My kids are {first}, {first2} and {first3}, they each have a tablet on the plan."),
    t("C: The letter went to {full} and {full2} at the same time."),
    t("C: We asked {first} first, then {first2}, and in the end {first3} sorted it out."),
]

MID = [
    t("C: I think {full} set up the account originally."),
    t("C: My daughter {first} handles the bills, she's not home right now.", g="f"),
    t("C: Last time {full} told me the fee would be waived."),
    t("C: Apparently {first} from your billing team promised me a callback."),
    t("C: The package was signed for by {full}, but I've never heard of them."),
    t("C: My husband {first} usually deals with this.", g="m"),
    t("C: Could {full} have cancelled it without telling me?"),
    t("A: It looks like {full} is listed as the secondary contact."),
    t("C: So my neighbour {first} took the delivery and it was damaged."),
    t("C: Our landlord, {full}, says the meter isn't his responsibility.", g="m"),
    t("C: I was helping {first} with her laptop when it shut down.", g="f"),
    t("C: Honestly I'd rather {first} didn't get the letters any more."),
    t("A: I can see that {full} called about this twice last week."),
    t("C: We bought it for {first}'s birthday and it stopped working after a day."),
    t("C: My brother-in-law {full} is the one paying, so can he call instead?", g="m"),
    t("C: The technician, I think his name was {first}, left the gate open.", g="m"),
]

TITLES = [
    t("A: Thank you, {title} {last}, I'll update that now."),
    t("C: I'm calling for my mother, {title} {last}.", g="f"),
    t("C: My appointment is with Dr. {last} on {weekday}."),
    t("A: Good morning, is that {title} {last}?", "C: Speaking."),
    t("C: The referral came from Dr. {last} at the clinic."),
    t("A: I'll pass this to {title} {last} in our complaints team."),
    t("C: Professor {last} asked me to call on her behalf.", g="f"),
    t("A: Sorry for the wait, {title} {full}."),
    t("C: It should be addressed to {title} {full}, not to me."),
    t("A: Is {title} {last} available to confirm the change?"),
    t("C: Dr. {full} prescribed it, and the pharmacy says it isn't covered."),
    t("A: Right, {title} {last}, I've added a note to the account."),
    t("C: Could you ask for Mr. {last} or Mrs. {last2}? They're both on the lease.", g="mf"),
    t("A: Mrs. {last} called earlier, is she available?", "C: She's my mum, I can help.", g="f"),
]

THIRD = [
    t("C: I'm calling on behalf of my father, {full}, he's in hospital.", g="m"),
    t("C: My son {first} is away at university and the phone is in his name.", g="m"),
    t("C: My wife, {full}, is the main account holder.", g="f"),
    t("C: My grandmother {full} passed away in {month} and I need to close her account.", g="f"),
    t("C: The car is registered to my partner, {full}."),
    t("C: My sister {first} said she already called you about this.", g="f"),
    t("C: I'm the carer for {full}, and she's given verbal consent.", g="f"),
    t("A: Is {full} there with you? I'll need to speak to them directly."),
    t("C: It's my uncle's account, {full}, but he can't hear well on the phone.", g="m"),
    t("C: Our accountant {full} will send the documents over."),
    t("C: My mum {first} can't find the letter, so I'm calling for her.", g="f"),
    t("C: Please don't share anything with my ex, {full}."),
    t("C: The lodger, {full}, has been paying the bill, not me."),
]

AGENT = [
    t("A: Hi, thanks for holding, my name's {first} and I'll be helping you today."),
    t("A: You're speaking with {first} from technical support."),
    t("C: Is this still {first}?", "A: No, this is {first2}, {first} has finished for the day."),
    t("A: I'm {full}, team lead on the night shift."),
    t("A: I'm going to put you through to {first} in retentions."),
    t("A: Hello, this is {first} calling from Nordlicht Insurance about your claim."),
    t("C: Can I speak to {full}? She handled my case before.", g="f"),
    t("A: My colleague {full} will call you back before five."),
    t("A: Hi, it's {first} again, sorry we got cut off."),
    t("C: Who am I talking to?", "A: My name is {first}, I'm in the escalations team."),
    t("A: Hello, {first} speaking, how may I help?"),
    t("A: I've checked with {first}, our billing specialist, and she agrees.", g="f"),
]

NON_ASCII = [
    t("C: Yes, hello, my name is {full}."),
    t("A: Let me make sure I have it right: {full}?", "C: That's right."),
    t("C: The account's in the name of {full}."),
    t("C: You can ask for {first}, that's me."),
    t("A: Could you tell me the last name again?", "C: It's {last}, with the accents."),
    t("C: Hello, {full} calling from {city}."),
    t("A: Thanks, {first}, I've corrected the spelling of {last} on the account."),
    t("C: My grandfather {full} opened this account decades ago.", g="m"),
]

US_FULL = [
    t("C: Sure, I live at {addr}."),
    t("A: What's the service address?", "C: It's {addr}."),
    t("C: Please ship it to {addr}, not the old place."),
    t("C: My billing address is {addr}, but I'm rarely there."),
    t("A: I have your address as {addr}, is that still correct?", "C: Yes."),
    t("C: We moved in {month}, the new address is {addr}."),
    t("A: And where should the technician go?", "C: {addr}. Ring the bell twice."),
    t("C: The package went to {addr} instead of my office."),
    t("C: Can you send the replacement card to {addr}?"),
    t("A: Where is the property?", "C: {addr}, it's a rental."),
    t("C: Send the bill to my mom at {addr}."),
    t("A: Let me read that back: {addr}.", "C: Perfect."),
]

INTL_FULL = [
    t("C: My address is {iaddr}."),
    t("C: I'm in {country} at the moment, the address is {iaddr}."),
    t("A: Where would you like the documents sent?", "C: To {iaddr}, please."),
    t("C: The flat is at {iaddr}, second floor."),
    t("C: Could you update my address to {iaddr}?"),
    t("A: So the delivery address is {iaddr}?", "C: Exactly."),
    t("C: We live at {iaddr} now, we moved in {month}."),
    t("C: Please post the contract to my parents' house, {iaddr}."),
    t("A: And what's your home address?", "C: It's {iaddr}."),
    t("C: The old address was {iaddr}, can you check that one too?"),
]

NUM_STREET = [
    t("C: I'm at {naddr}, the house with the blue door."),
    t("C: It's {naddr}, just the ground floor."),
    t("A: Is that {naddr}?", "C: Yes, that's us."),
    t("C: The meter is round the back of {naddr}."),
    t("C: We used to be at {naddr} before the move."),
    t("C: Deliver to {naddr}, I'll be home all day."),
    t("C: Our house is {naddr}, and the power's been out since this morning."),
    t("A: The engineer will be at {naddr} on {weekday} morning."),
]

STREET_ONLY = [
    t("C: The depot is on {street}, right by the petrol station."),
    t("C: I live off {street}, near the school."),
    t("C: We're on {street} now, we moved last year."),
    t("C: I'm on the corner of {street} and {street2}."),
    t("C: The parcel was left at a house on {street}, which isn't even my road."),
    t("C: My mum lives on {street}, can the engineer go there instead?"),
    t("A: Are you still living on {street}?", "C: No, we moved."),
    t("C: We moved from {street} to {street2} in {month}."),
    t("C: The outage is all along {street}, the whole road's dark."),
    t("C: I rent a flat on {street}, above the bakery."),
    t("C: Your van has been parked across my drive on {street} all morning."),
    t("C: She lives somewhere on {street}, I don't know the number."),
    t("A: I can see a previous address on {street}, should I remove it?"),
    t("C: I'm staying at my brother's on {street} until the repairs are done."),
]

PHONE = [
    t("C: You can reach me on {phone} after six."),
    t("A: Is {phone} still the best number for you?", "C: Yes, that's my cell."),
    t("C: My number is {phone}, and my husband's is {phone2}."),
    t("C: Text the code to {phone}, please, I don't use email."),
    t("A: I'll call you back at {phone} within the hour."),
    t("C: If I'm not in, try my daughter on {phone}, she knows about it."),
    t("C: The callback number you have is wrong, it should be {phone}."),
    t("A: What's a good number to reach you?", "C: Um, {phone}."),
]

DOB = [
    t("A: Can I have your date of birth?", "C: {dob}."),
    t("C: I was born on {dob}, so I'm {age} now."),
    t("A: And the date of birth on the policy?", "C: It's {dob}."),
    t("C: My date of birth is {dob}, if you need it for security."),
    t("A: To verify, what's your birthday, including the year?", "C: {dob}."),
    t("C: My father was born on {dob}, he's {age} and needs his own plan."),
]

EMAIL = [
    t("C: My email is {email}."),
    t("A: Shall I send the receipt to {email}?", "C: Yes, please."),
    t("C: Can you change the email on file to {email}?"),
    t("A: What email address should we use?", "C: It's {email}, all lowercase."),
    t("C: I sent the photos from {email} on {weekday}."),
    t("C: The invoices go to my accountant at {email}."),
]

CARD = [
    t("C: The card number is {card}."),
    t("A: Go ahead with the long number on the front of the card.", "C: {card}."),
    t("C: I want to use a different card, it's {card}."),
    t("C: Someone charged {amount} to my card, {card}, and it wasn't me."),
    t("A: Let me just repeat that: {card}?", "C: That's it."),
]

SSN = [
    t("A: Can you verify your Social Security number?", "C: Sure, {ssn}."),
    t("C: My social is {ssn}."),
    t("C: The tax form has the wrong SSN, it should be {ssn}."),
    t("A: For the credit check I'll need your social.", "C: Okay, it's {ssn}."),
    t("C: My daughter's Social Security number is {ssn}, she's the beneficiary."),
]

IBAN = [
    t("C: The refund should go to {iban}."),
    t("A: What's the IBAN for the direct debit?", "C: {iban}."),
    t("C: My IBAN is {iban}, at Nordea."),
    t("C: Please stop paying into {iban}, that account is closed."),
    t("A: I'll read the IBAN back: {iban}.", "C: Correct."),
]

IP = [
    t("C: The router shows {ip} as the address."),
    t("A: Can you read me the IP address on the screen?", "C: It says {ip}."),
    t("C: My home IP is {ip}, and it's been blocked."),
    t("C: I can ping {ip} but nothing else."),
    t("A: I see logins from {ip}, do you recognise that?", "C: No, that's not me."),
]

MIXED = [
    t("C: Hi, this is {full}, I live at {addr} and my number is {phone}."),
    t("A: So that's {full}, at {naddr}?", "C: Yes, and you can email me at {email}."),
    t("C: My name is {full}.", "A: And your address?", "C: {iaddr}.", "A: Thank you, {first}."),
    t("C: I'm {first}, I'm on {street}, and my daughter {first2} lives at {addr}.", g="-f"),
    t("C: Please send it to {full}, {addr}."),
    t("A: I have {title} {last}, born {dob}, is that right?", "C: Yes, that's me."),
    t("C: It's {full}, my date of birth is {dob}.", "A: Thanks, {first}, I've found you."),
    t("A: Who's the account holder?", "C: {full}.", "A: And the phone number?", "C: {phone}."),
]

NEG_CALENDAR = [
    t("C: The outage started on {weekday} and it's still not fixed."),
    t("A: Our offices are closed on Christmas Day and reopen on {weekday}."),
    t("C: My contract renews in {month}, can I cancel before then?"),
    t("A: The promotion runs until the end of {month}."),
    t("C: I was billed twice in {month} and again in {month2}."),
    t("A: The technician can come on {weekday} between {time} and {time2}."),
    t("C: Every {weekday} the internet drops at around {time}."),
    t("A: Your next statement will be issued in {month}.", "C: Okay, and is that by post?"),
    t("C: I'm away from {month} until the middle of {month2}, can you hold my post?"),
    t("A: Our lines are open {weekday} to {weekday2}, from {time} to {time2}."),
    t("C: The direct debit comes out on the first {weekday} of every month."),
]

NEG_PLACES = [
    t("C: I'm travelling to {city} next week, will my phone work there?"),
    t("A: Our nearest store is in {city}, it opens at {time} on {weekday}."),
    t("C: Does the unlimited plan cover calls to {country}?"),
    t("A: Your order is being shipped from our hub near {city}."),
    t("C: I saw the same offer in your {city} branch for less."),
    t("C: The flight from {city} to {city2} was cancelled."),
    t("C: My parcel has been stuck at the depot in {city} since {weekday}."),
    t("C: I'm calling from {country}, is roaming included?"),
    t("A: The warehouse in {city} ships orders within two days."),
    t("C: We spend the summer in {city}, can I pause the service until {month}?"),
]

NEG_BRANDS = [
    t("C: My {product} stopped charging after the update."),
    t("C: I switched from {company} to you because {company2} kept raising prices."),
    t("A: You can pay with Apple Pay, Google Pay or PayPal."),
    t("C: The Ford dealership says the warranty covers it, but Allianz says no."),
    t("C: Is the {product} compatible with the Premium Family plan?"),
    t("A: We're a partner of {company}, so the points transfer automatically."),
    t("C: I bought a Dell laptop and a Philips monitor in your Black Friday sale."),
    t("A: Please restart the Wi-Fi Extender and check the Status light."),
    t("C: Netflix and Spotify are both charging me through the App Store."),
    t("C: I'm driving a Mercedes and the Tesla charger won't accept my card."),
    t("C: Can I stream Disney Plus on the Roku you sent me?"),
    t("A: Gold and Platinum members get free delivery from Amazon Fresh."),
    t("C: The Jaguar garage in town wants a fortune for the part."),
]

NEG_AMOUNTS = [
    t("C: My bill went from {amount} to {amount2} without any warning."),
    t("A: There's a late fee of {amount}, but I can waive it this time."),
    t("C: I was promised {percent} off for the first year."),
    t("A: Your order {order} shipped on {weekday} and should arrive by {weekday2}."),
    t("C: The ticket number is {ticket}, and I've called about it three times."),
    t("A: Your balance is {amount}, and the next payment is due in {month}."),
    t("C: I pressed two, then one, and it hung up on me."),
    t("A: I've applied a credit of {amount} to your next bill."),
    t("C: It says the upgrade fee is {amount}, is that per month?"),
    t("A: That's {percent} off, so you'll pay {amount} instead."),
    t("C: I've been a customer for eleven years and never missed a payment."),
]

NEG_SUPPORT = [
    t("A: Thank you for calling Customer Care.", "C: Hi, I need Billing, it's about a refund."),
    t("C: Can you transfer me to Technical Support? The Fibre Max box keeps rebooting."),
    t("A: I'll raise this with our Network Operations team and the Escalations desk."),
    t("C: The Terms and Conditions say nothing about an exit fee."),
    t("A: Could you open Settings, then General, then Software Update?"),
    t("C: Hello? Hello? Sorry, the line is terrible, I'm on the Eurostar."),
    t("A: Is there anything else I can help with today?", "C: No, that's everything. Bye."),
    t("A: I'm going to put you on a brief hold while I check with the Fraud team."),
    t("C: Hi, is this the Lost Property line?", "A: Yes, it is. How can I help?"),
]


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    templates: Sequence[Template]
    count: int
    non_ascii: bool = False


FAMILIES: tuple[Family, ...] = (
    Family("person.full_cue", FULL_CUE, 22),
    Family("person.surname_answer", SURNAME, 16),
    Family("person.first_answer", FIRST, 12),
    Family("person.greeting", GREETING, 18),
    Family("person.list", LISTS, 12),
    Family("person.mid_sentence", MID, 16),
    Family("person.title", TITLES, 14),
    Family("person.third_party", THIRD, 13),
    Family("person.agent", AGENT, 12),
    Family("person.non_ascii", NON_ASCII, 12, non_ascii=True),
    Family("address.us_full", US_FULL, 18),
    Family("address.intl_full", INTL_FULL, 18),
    Family("address.number_street", NUM_STREET, 10),
    Family("address.street_only", STREET_ONLY, 20),
    Family("phone", PHONE, 8),
    Family("date_of_birth", DOB, 6),
    Family("email", EMAIL, 6),
    Family("card", CARD, 5),
    Family("ssn", SSN, 5),
    Family("iban", IBAN, 5),
    Family("ip", IP, 5),
    Family("mixed", MIXED, 8),
    Family("negative.calendar", NEG_CALENDAR, 10),
    Family("negative.places", NEG_PLACES, 9),
    Family("negative.brands", NEG_BRANDS, 12),
    Family("negative.amounts", NEG_AMOUNTS, 10),
    Family("negative.support", NEG_SUPPORT, 8),
)

# --- Putting cases together -----------------------------------------------------------------

_SLOT = re.compile(r"(full|first|last|title)(\d?)$")
_TITLE_WORDS = {"Mr.": "mister", "Mrs.": "missus", "Dr.": "doctor", "Professor": "professor"}
_LITERAL_TITLES = [(re.compile(rf"\b{re.escape(w)}(?!\w)"), s) for w, s in _TITLE_WORDS.items()]


def _speak_literal(text: str) -> str:
    """Template text as raw speech-to-text writes it: lowercase, no punctuation but
    apostrophes."""
    for pattern, said in _LITERAL_TITLES:
        text = pattern.sub(said, text)
    text = text.replace("\u2019", "'").replace("&", " and ")
    text = re.sub(r"[-\u2013\u2014/]", " ", text)
    text = re.sub(r"[^\w\s']", "", text)
    return re.sub(r"\s+", " ", _lower(text))


class _CaseValues:
    """The values of one source case, drawn on first use (so in the template's order)."""

    def __init__(self, src: _Sources, genders: str, non_ascii: bool) -> None:
        self.src = src
        self.genders = genders
        self.non_ascii = non_ascii
        self.people: dict[int, Name] = {}
        self.values: dict[str, Value] = {}
        self.born: date | None = None
        self.street_locale: str | None = None
        self.address_locale: str | None = None

    def person(self, index: int, shown: str = "full") -> Name:
        if index not in self.people:
            gender = self.genders[index - 1] if index <= len(self.genders) else "-"
            non_ascii = shown if self.non_ascii and index == 1 else None
            self.people[index] = self.src.name(gender, non_ascii)
        return self.people[index]

    def __getitem__(self, slot: str) -> Value:
        if slot not in self.values:
            self.values[slot] = self._make(slot)
        return self.values[slot]

    def _make(self, slot: str) -> Value:
        src, rng = self.src, self.src.rng
        match = _SLOT.match(slot)
        if match:
            kind, index = match.group(1), int(match.group(2) or 1)
            name = self.person(index, "full" if kind == "title" else kind)
            if kind == "title":
                titles = ["Mr.", "Dr."] if name.gender == "m" else ["Mrs.", "Dr.", "Professor"]
                title = rng.choice(titles)
                return Value(title, _TITLE_WORDS[title])
            text = {"full": name.full, "first": name.first, "last": name.last}[kind]
            return Value(text, _speak_name(text), "PERSON")
        base = slot.rstrip("0123456789")
        if base == "addr":
            return Value(*src.addresses.us_address(rng), "STREET_ADDRESS")
        if base == "iaddr":
            locale = self.address_locale = self.address_locale or src.address_deck.deal()
            return Value(*src.addresses.intl_address(locale, rng), "STREET_ADDRESS")
        if base == "naddr":
            locale = "en" if rng.random() < 0.35 else src.address_deck.deal()
            return Value(*src.addresses.numbered_street(locale), "STREET_ADDRESS")
        if base == "street":
            if self.street_locale is None:
                self.street_locale = "en" if rng.random() < 0.3 else src.address_deck.deal()
            return Value(*src.addresses.street(self.street_locale), "STREET_ADDRESS")
        if base == "country":
            locale = self.address_locale = self.address_locale or src.address_deck.deal()
            return Value(_COUNTRY[locale], _lower(_COUNTRY[locale]))
        if base == "city":
            city = src.addresses.city("en" if rng.random() < 0.3 else src.address_deck.deal())
            return Value(city, _speak_name(city))
        if base == "phone":
            return src.phone()
        if base == "dob":
            value, self.born = src.date_of_birth()
            return value
        if base == "age":
            if self.born is None:
                self["dob"]
            assert self.born is not None
            day = REFERENCE_DAY
            years = (
                day.year
                - self.born.year
                - ((day.month, day.day) < (self.born.month, self.born.day))
            )
            return Value(str(years), cardinal(years))
        if base == "email":
            return src.email(self.person(1) if 1 in self.people else src.name("-"))
        simple: dict[str, Callable[[], Value]] = {
            "card": src.card,
            "ssn": src.ssn,
            "iban": src.iban,
            "ip": src.ip,
            "amount": src.amount,
            "time": lambda: src.time(afternoon=slot == "time2"),
            "percent": src.percent,
            "order": src.reference,
            "ticket": src.reference,
        }
        if base in simple:
            return simple[base]()
        pick: dict[str, Sequence[str]] = {
            "month": MONTHS,
            "weekday": WEEKDAYS,
            "company": _COMPANIES,
            "product": _PRODUCTS,
        }
        if base in ("month", "weekday") and slot.endswith("2") and base in self.values:
            items = pick[base]  # the second one comes a little after the first
            return self._word(
                items[(items.index(self[base].written) + rng.randint(1, 3)) % len(items)]
            )
        if base in pick:
            taken = {v.written for k, v in self.values.items() if k.rstrip("0123456789") == base}
            return self._word(rng.choice([w for w in pick[base] if w not in taken]))
        raise KeyError(f"unknown slot {{{slot}}}")

    @staticmethod
    def _word(word: str) -> Value:
        return Value(word, _speak_literal(word))


def trimmed(entity_type: str, span: str) -> bool:
    """A span starts and ends with a letter or digit; only a phone number may open with the
    parenthesis of its area code ("(937) 555-0142")."""
    if entity_type == "PHONE_NUMBER" and span.startswith("("):
        span = span[1:]
    return bool(span) and span[0].isalnum() and span[-1].isalnum()


def _render_segment(
    speaker: str, template: str, values: _CaseValues, spoken: bool
) -> dict[str, Any]:
    text = ""
    entities: list[dict[str, Any]] = []
    for literal, slot, _spec, _conv in Formatter().parse(template):
        if literal:
            if re.search(r"\d", literal):
                raise ValueError(f"digits belong in slots, not in template text: {template!r}")
            piece = _speak_literal(literal) if spoken else literal
            if spoken and (not text or text.endswith(" ")):
                piece = piece.lstrip()
            text += piece
        if slot is not None:
            value = values[slot]
            piece = value.spoken if spoken else value.written
            if value.type is not None:
                entities.append(
                    {"type": value.type, "start": len(text), "end": len(text) + len(piece)}
                )
            text += piece
    if spoken:
        text = text.rstrip()
    for e in entities:
        if not trimmed(e["type"], text[e["start"] : e["end"]]):
            raise AssertionError(f"badly trimmed span {text[e['start'] : e['end']]!r} in {text!r}")
    return {"speaker": speaker, "text": text, "entities": entities}


@dataclass
class HeldoutSet:
    cases: list[dict[str, Any]]
    name_locales: Counter[str]
    """How many names of the set come from each locale (mimesis "de-at", Faker "ja_JP")."""


def _sources(seed: int) -> _Sources:
    rng = random.Random(seed)
    names: dict[str, _FakerNames | _MimesisNames] = {}
    for i, locale in enumerate(MIMESIS_NAME_LOCALES):
        names[locale] = _MimesisNames(locale, seed + 1009 * (i + 1))
    for i, locale in enumerate(FAKER_NAME_LOCALES):
        names[locale] = _FakerNames(locale, seed + 2003 * (i + 1))
    return _Sources(
        rng=rng,
        names=names,
        name_deck=_Deck(list(names), rng),
        addresses=_Addresses(seed),
        address_deck=_Deck([loc for loc, _ in _ADDRESS_LOCALES], rng),
    )


def build_set(seed: int = SEED) -> HeldoutSet:
    src = _sources(seed)
    cases: list[dict[str, Any]] = []
    name_locales: Counter[str] = Counter()
    for family in FAMILIES:
        order: list[Template] = []
        while len(order) < family.count:
            batch = list(family.templates)
            src.rng.shuffle(batch)
            order.extend(batch)
        for n, template in enumerate(order[: family.count], start=1):
            values = _CaseValues(src, template.genders, family.non_ascii)
            for form in ("written", "spoken"):
                segments = [
                    _render_segment(speaker, text, values, form == "spoken")
                    for speaker, text in template.lines
                ]
                cases.append(
                    {
                        "id": f"{family.name}-{n:03d}.{form}",
                        "kind": f"{family.name}.{form}",
                        "segments": segments,
                    }
                )
            name_locales.update(name.locale for name in values.people.values())
    texts = Counter((case["kind"], tuple(s["text"] for s in case["segments"])) for case in cases)
    repeated = [text for text, n in texts.items() if n > 1]
    if repeated:
        raise AssertionError(f"cases repeated: {repeated}")
    return HeldoutSet(cases, name_locales)


def build_cases(seed: int = SEED) -> list[dict[str, Any]]:
    return build_set(seed).cases


def render(cases: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases)


def main() -> int:
    built = build_set()
    HELDOUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    HELDOUT_PATH.write_text(render(built.cases), encoding="utf-8")
    types: Counter[str] = Counter()
    forms: Counter[str] = Counter()
    for case in built.cases:
        form = case["kind"].rsplit(".", 1)[1]
        forms[form] += 1
        for segment in case["segments"]:
            for entity in segment["entities"]:
                types[f"{entity['type']} ({form})"] += 1
    negatives = sum(1 for c in built.cases if not any(s["entities"] for s in c["segments"]))
    print(f"wrote {len(built.cases)} cases to {HELDOUT_PATH} ({negatives} negative)")
    print("forms:", dict(sorted(forms.items())))
    for key, count in sorted(types.items()):
        print(f"  {key}: {count}")
    print(f"name locales ({len(built.name_locales)}):", dict(sorted(built.name_locales.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
