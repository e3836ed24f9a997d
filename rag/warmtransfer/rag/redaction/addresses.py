"""Addresses by their make-up, in any country's order and in raw lower case.

The other address recognizers (`recognizers.StreetAddressRecognizer`, `WorldAddressRecognizer`,
`StreetNameRecognizer`) know the forms of particular countries. An address in a form none of
them knows ("Drumul Diaconescu nr. 495, bl. 40, sc. 21, ap. 535, Navodari", "Circuito Puebla
714 Edif. 405 Depto. 870", "PO Box 340, Whakamakau 2172", and the same said aloud in lower case
with the numbers as words) is still a run of a few kinds of words: numbers, words English does
not use (street and place names), and the words addresses are made of in many languages (street
types, unit words, particles). `AddressRunRecognizer` takes such a run when it holds a number
and a name or street word, where an address was asked for or is being given ("address", "live",
"moved", "send", "deliver", ...), and, without such a cue, only when it holds all three kinds.
A run ends at the first everyday English word ("sure", "please", "that's", "instead"), except a
single one between two address words ("0RS Lake Katieview", "Gedebage Selatan No. 77"; but "2
Elm St, not 20 Elm St" is two), and at the end of a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from warmtransfer.rag.redaction.lexicon import Lexicon
from warmtransfer.rag.redaction.recognizers import CueRecognizer

__all__ = ["AddressRunRecognizer"]

_CUE: Final = re.compile(
    r"\b(?:address(?:es)?|live[sd]?|living|moved|moving|send|sent|ship(?:ped|ping)?|"
    r"deliver\w*|parcel|package|mail(?:ing)?|post(?:code|al)?|zip|located|location|meter|"
    r"on file|residence|reside[sd]?|billing|forward(?:ed|ing)?)\b",
    re.IGNORECASE,
)

_NUMBER_WORDS: Final = frozenset(
    "zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen "  # noqa: SIM905
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty "
    "ninety hundred thousand double triple".split()
)

# Words addresses are made of: street types, units and particles, in many languages.
_ADDRESS_WORDS: Final = frozenset(
    # English
    "street st avenue ave av road rd lane ln drive dr court ct way place pl boulevard blvd bd "  # noqa: SIM905
    "terrace ter crescent close grove square sq row mews walk circle cir trail parkway pkwy "
    "highway hwy mountain mountains estate estates extensions village ville view "
    "views vista hill hills heights point points steps burg burgs cove line lines ridge "
    "junction crossing plaza alley loop park gardens meadow meadows glen green harbor haven "
    "mission manor shore shores corner corners cliff cliffs island islands islets springs "
    "apt apartment unit suite ste flat floor fl nr po box pobox gpo rr lot block "
    # German, Dutch, Scandinavian, Finnish
    "straße strasse str weg allee gasse platz ring damm ufer chaussee steig stiege hof "
    "straat laan gracht kade plein singel dreef baan steeg postbus bus "
    "vej gade plads allé torv vei veien gata gatan vägen väg gränd torget tie katu kuja polku "
    # French, Italian, Spanish, Portuguese
    "rue chemin allée impasse quai cedex bp via viale corso piazza largo vicolo contrada "
    "strada piano interno scala calle avenida paseo carrera cra cr kr diagonal dg transversal "
    "circuito retorno privada cerrada calzada prolongación continuación andador callejón "
    "camino carretera ronda travesía glorieta km edif edificio depto dpto departamento local "
    "piso puerta interior int casa lote manzana mz torre sur norte este oeste rua travessa "
    "praça estrada ladeira alameda rodovia vila quadra qd bloco apto sala "
    # Central and Eastern European
    "ul ulica aleja al plac osiedle os ulice náměstí nám třída námestie cesta trg utca út tér "
    "körút sétány köz sor soseaua șoseaua drumul calea aleea piața intrarea splaiul bl sc ap "
    "et bloc scara etaj "
    # South and Southeast Asian
    "jalan jl gang gg chowk nagar marg colony sector gali bagh puram barangay brgy purok "
    # particles inside street and place names
    "de la del des du di da do dos das le les van von der den el".split()
)

# Street types that come before the street's name ("Rue des Lilas", "Jl. Ciumbuleuit", "Viaducto
# Indonesia"); the rest of `_ADDRESS_WORDS` that name a street come after it ("Juniper Avenue").
_TYPE_BEFORE: Final = frozenset(
    "rue chemin allée impasse quai boulevard bd via viale corso piazza largo vicolo contrada "  # noqa: SIM905
    "strada calle avenida paseo carrera diagonal transversal circuito retorno privada cerrada "
    "calzada prolongación continuación andador callejón camino carretera ronda travesía "
    "glorieta viaducto peatonal vial rua travessa beco vereda praça estrada ladeira alameda "
    "rodovia incrocio borgo piazzale lungomare traversa ul ulica "
    "aleja al plac osiedle soseaua șoseaua drumul calea aleea piața intrarea splaiul jalan jl "
    "gang gg".split()
)
_TYPE_AFTER: Final = frozenset(
    "street st avenue ave road rd lane ln drive dr court ct way place pl boulevard blvd "  # noqa: SIM905
    "terrace crescent close grove square row mews walk circle trail parkway highway mountain "
    "mountains estates extensions village views vista hill hills heights points "
    "steps burgs cove ridge junction crossing plaza alley loop gardens meadows glen harbor "
    "haven mission manor shore shores corner corners cliff cliffs island islands springs "
    "utca út tér körút sétány cesta trg".split()
)
# What places a street said without a house number ("we moved to Juniper Avenue").
_PLACES: Final = frozenset("on off to near along onto into down up past by at".split())  # noqa: SIM905

# A street by its ending ("Danielhof", "Hellwigstr.", "Sveavägen").
_STREET_ENDING: Final = re.compile(
    r"\w{3,}(?:straße|strasse|str|weg|allee|gasse|platz|damm|ring|ufer|hof|laan|straat|gracht|"
    r"kade|plein|singel|dreef|vej|gade|gatan|vägen|veien|katu|tie|utca)",
)
# Abbreviations whose dot ends no sentence ("Gg. Dr. Sutomo No. 77").
_ABBREVIATIONS: Final = frozenset("no nr dr mr mrs ms st jl gg h.no av al ul".split())  # noqa: SIM905

_TOKEN: Final = re.compile(r"[^\s,;:()]+")
_ONE_WORD_STREET: Final = re.compile(
    rf"(?i:\b(?:{'|'.join(sorted(_PLACES))}))\s+({_STREET_ENDING.pattern})\b\.?", re.IGNORECASE
)
# Everyday words between two addresses ("2 Elm St, not 20 Elm St", "... or 14 ...").
_BETWEEN: Final = frozenset({"not", "or", "and", "but", "then", "also", "instead", "to"})
_PLACE_WORD: Final = rf"(?i:\b(?:{'|'.join(sorted(_PLACES))}))\s+"
# "on Tveitkollen", "off Magnoliowa": "on" and "off" place streets, seldom towns ("in", "to").
_UNKNOWN_WORD_STREET: Final = re.compile(
    r"(?i:\b(?:on|off|along|onto))\s+([^\W\d_]{4,})\b(?!['\u2019])"
)
_PARTICLES: Final = (
    r"(?:(?:de la|de los|de las|des|du|de|del|della|dei|da|das|do|dos|di|la|le|les)\s+)?"
)
_TYPE_FIRST_STREET: Final = re.compile(
    _PLACE_WORD
    + rf"((?i:{'|'.join(sorted(_TYPE_BEFORE, key=len, reverse=True))})\.?)\s+{_PARTICLES}"
    + r"([^\W\d_][\w'\u2019-]*)(?:\s+(?-i:[A-Z])[\w'\u2019-]*)?"
)
_NAMES_THEN_TYPE: Final = re.compile(
    _PLACE_WORD
    + r"((?:[^\W\d_][\w'\u2019-]*\s+){1,2}?)"
    + rf"(?i:{'|'.join(sorted(_TYPE_AFTER, key=len, reverse=True))})\b"
)
# Words after a street type that are not a street's name ("on via email").
_STOP: Final = frozenset(
    {"the", "a", "an", "my", "our", "your", "his", "her", "their", "this", "that", "email", "phone"}
)
_KINDS_KEPT: Final = 50_000  # words whose kind is remembered
_EDGE: Final = ".,;:!?\"'()"


class AddressRunRecognizer(CueRecognizer):
    ENTITIES = ("STREET_ADDRESS",)

    def __init__(self) -> None:
        super().__init__()
        self._lexicon = Lexicon.shared()
        self._kinds: dict[str, str | None] = {}

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        cued = _CUE.search(text) is not None
        for run in self._runs(text):
            start, end = run[0][0], run[-1][1]
            kinds = {kind for _, _, kind in run}
            placed = _placed(text, start)
            if "number" in kinds:
                if ("name" in kinds or "address" in kinds) and (
                    cued or {"name", "address"} <= kinds or (placed and "address" in kinds)
                ):
                    yield "STREET_ADDRESS", start, end, 0.85
            elif placed and _names_a_street(text, run):
                yield "STREET_ADDRESS", start, end, 0.85
        yield from self._streets_without_number(text)

    def _streets_without_number(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        """Streets said without a house number where something is placed, that `_runs` leaves:
        a street of one word by its ending ("I live off Danielhof") or that no language the
        word list knows has ("on Tveitkollen"); a street type that leads its name, whatever the
        name ("on Viaducto Indonesia"); names that are everyday words too, before a street type
        ("on laura mission")."""
        for match in _ONE_WORD_STREET.finditer(text):
            word = match.group(1)
            if self._kind(word) == "address" and word.lower() not in _ADDRESS_WORDS:
                yield "STREET_ADDRESS", match.start(1), match.end(1), 0.85
        for match in _UNKNOWN_WORD_STREET.finditer(text):
            if self._lexicon.zipf(match.group(1)) == 0 and self._kind(match.group(1)) == "name":
                yield "STREET_ADDRESS", match.start(1), match.end(1), 0.85
        for match in _TYPE_FIRST_STREET.finditer(text):
            if match.group(2).lower() not in _STOP:
                yield "STREET_ADDRESS", match.start(1), match.end(), 0.85
        for match in _NAMES_THEN_TYPE.finditer(text):
            names = match.group(1).split()
            if all(self._lexicon.word(n).name and self._lexicon.zipf(n) < 4.5 for n in names):
                yield "STREET_ADDRESS", match.start(1), match.end(), 0.85

    def _runs(self, text: str) -> Iterator[list[tuple[int, int, str]]]:
        """Maximal runs of address-like words: (start, end, kind) of each word."""
        run: list[tuple[int, int, str]] = []  # (start, end, kind) of each word
        pending: tuple[int, int] | None = None  # one everyday word inside a run
        for match in _TOKEN.finditer(text):
            raw = match.group()
            word = raw.strip(_EDGE)
            if not word:
                continue
            start = match.start() + raw.index(word[0])
            end = start + len(word)
            kind = self._kind(word)
            if kind is None:
                if run and pending is None and not _ends_sentence(raw, word):
                    pending = (start, end)
                    continue
                yield from _closed(text, run)
                run, pending = [], None
                continue
            if pending is not None:
                if kind == "number" and text[pending[0] : pending[1]].lower() in _BETWEEN:
                    # "2 Elm St, not 20 Elm St": two addresses
                    yield from _closed(text, run)
                    run = []
                else:  # "0RS Lake Katieview": one
                    run.append((*pending, "everyday"))
                pending = None
            run.append((start, end, kind))
            if _ends_sentence(raw, word) and kind != "address":
                yield from _closed(text, run)
                run = []
        yield from _closed(text, run)

    def _kind(self, word: str) -> str | None:
        """ "number", "address", "name", "code" (letters that may be part of an address but do
        not show one), or None for an everyday word."""
        if word in self._kinds:
            return self._kinds[word]
        if len(self._kinds) >= _KINDS_KEPT:
            self._kinds.clear()
        kind = self._kinds[word] = self._classify(word)
        return kind

    def _classify(self, word: str) -> str | None:
        low = word.lower()
        if _CUE.fullmatch(low):
            return None  # "billing", "address": what is said about an address, not in it
        if any(ch.isdigit() for ch in low) or low in _NUMBER_WORDS or low in ("#", "n°"):
            return "number"
        if low in _ADDRESS_WORDS or (
            _STREET_ENDING.fullmatch(low) and self._lexicon.zipf(low) < 3.0
        ):
            return "address"
        if not low[0].isalpha() or "'" in low or "\u2019" in low:
            return None  # contractions ("I've", "meter's") are everyday words
        if len(low) == 1:
            return None if low in ("a", "i") else "code"  # a postcode's letters, said aloud
        if word.isupper() and len(word) <= 4:
            return "code"  # a state or a postcode's letters ("NSW", "QC"), or "TV": no name
        entry = self._lexicon.word(low)
        # A name that is also a word ("Laura", "Lawrence") only when written as a name.
        cap = entry.zipf < 4.5 and word[0].isupper() and not word.isupper()
        if entry.zipf < 3.3 or (entry.name and (entry.zipf < 4.0 or cap)):
            return "name"
        return None


def _ends_sentence(raw: str, word: str) -> bool:
    """A word followed by a full stop, question or exclamation mark (an abbreviation's dot
    does not count: "Bl.", "St.", "Nr.")."""
    tail = raw[raw.index(word) + len(word) :]
    if not tail or tail[0] not in ".?!":
        return False
    low = word.lower()
    return tail[0] != "." or (low not in _ADDRESS_WORDS and low not in _ABBREVIATIONS)


def _closed(text: str, run: list[tuple[int, int, str]]) -> Iterator[list[tuple[int, int, str]]]:
    """The run without the words that cannot begin or end one: everyday words at either end,
    and at its start a street type of English followed by an everyday word ("the new place is
    22 rue de la Paix": "place" is no street here)."""
    while run and run[-1][2] == "everyday":
        run = run[:-1]
    while len(run) > 1 and (
        run[0][2] == "everyday"
        or (text[run[0][0] : run[0][1]].lower() in _TYPE_AFTER and run[1][2] == "everyday")
    ):
        run = run[1:]
    if len(run) >= 2:
        yield run


def _placed(text: str, start: int) -> bool:
    """Whether the word right before `start` places something ("on", "to", "near", ...)."""
    before = text[:start].rstrip().rsplit(None, 1)
    return bool(before) and before[-1].lower() in _PLACES


def _names_a_street(text: str, run: list[tuple[int, int, str]]) -> bool:
    """A street type and names, the type first or last as its language puts it."""
    words = [text[s:e].lower().rstrip(".") for s, e, kind in run if kind != "everyday"]
    kinds = [kind for _, _, kind in run if kind != "everyday"]
    if len(words) < 2:
        return False
    if words[0] in _TYPE_BEFORE:
        rest = zip(words[1:], kinds[1:], strict=True)
        return all(kind == "name" or w in _ADDRESS_WORDS for w, kind in rest)
    return words[-1] in _TYPE_AFTER and all(kind == "name" for kind in kinds[:-1])
