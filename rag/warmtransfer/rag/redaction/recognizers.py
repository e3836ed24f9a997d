"""Recognizers Presidio lacks, for what callers and agents say on a support call.

They read the normalized text (spoken forms already written out) and decide by *cues*: the words
said just before, in this speaker's lines or in the question the other party just asked ("what's
the security code on the back?" … "it's 123"). The analyzed text starts with the other party's
recent lines for that reason; a newline separates speakers and nothing spans it.

- `DigitRunRecognizer`: every run of digits. Seven digits or more is personal data (cards, phones,
  accounts; amounts and quantities in conversation are shorter or written as money) unless it is
  a business's own number: a toll-free line ("1-800-..."), or an order, case, ticket or claim
  number (the nearest cue says which). The cues choose its type. Shorter runs need a cue: a CVV
  after "security code", a PIN after "PIN", an expiry after "expires", the last four of a social.
- `StreetAddressRecognizer`, `DateOfBirthRecognizer`, `AlphanumericIdRecognizer` (member and
  policy numbers), `PassportRecognizer`, `IbanRecognizer` (checksum-validated, spaces anywhere).

People's names are `names`' (after cues, spelled out, by the word list).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

__all__ = ["CueRecognizer", "is_toll_free"]

_CUE_CHARS = 90


def _cue(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_CARD = _cue(r"\b(card|visa|master ?card|amex|american express|discover|credit|debit)\b")
_SSN = _cue(r"\b(social|ssn|s s n|security number)\b")
_ROUTING = _cue(r"\b(routing|aba|transit)\b")
# "checking account number" ends after the account cue: the bank wins the tie.
_BANK = _cue(r"\b(?:bank|checking|savings|direct deposit)(?: account)?(?: number)?\b")
# An account at a bank, by the bank's name or next to a routing number: a bank account number.
_AT_A_BANK = _cue(
    r"\b(bank|banks|banking|credit union|routing|chase|wells fargo|citi(?:bank)?|pnc|"
    r"capital one|truist|td|ally|schwab|navy federal|usaa)\b"
)
_PHONE = _cue(
    r"\b(phone|cell|mobile|call (?:me|you|back)|reach (?:me|you)|callback|number to reach|text me|"
    r"landline|home number|work number|contact number)\b"
)
_PASSPORT = _cue(r"\bpassport\b")
_ACCOUNT = _cue(
    r"\b(account|member|membership|policy|customer|subscriber|id|loyalty|license|licence)\b"
)
# A business's own references: not personal data, and the agent taking over needs them.
_BUSINESS_REF = _cue(
    r"\b(order|case|ticket|tracking|confirmation|claim|reference|ref|invoice|incident|rma|"
    r"extension|ext|model|serial|error|build|version|firmware|sku|part)\b"
)
_LAST_FOUR = _cue(r"\blast (?:four|4)\b")
# Toll-free area codes (NANP): numbers of businesses, not of people.
_TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})
_CVV = _cue(
    r"\b(cvv|cvc|cv2|security code|verification (?:code|number|value)|three digits|3 digits|"
    r"(?:three|four|3|4)[- ]digit (?:security )?code|(?:digits|code) on the (?:front|back)|"
    r"back of the card|on the back)\b"
)
_PIN = _cue(r"\b(pin|passcode|pass code|access code|security pin|pin number)\b")
_EXPIRY = _cue(r"\b(expir\w*|exp|valid (?:thru|through|until)|good (?:thru|through))\b")
_BIRTH = _cue(r"\b(born|birth|dob|d o b|birthday|birth date|birthdate)\b")
_MONEY_AFTER = _cue(
    r"^\s*(dollars?|bucks|cents?|percent|%|pounds|euros|minutes?|hours?|seconds?|days?|weeks?|"
    r"months?|years?|miles|gigs?|gb|mb|mbps|megabytes?|gigabytes?|times|people)\b"
)

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DIGIT_RUN = re.compile(
    r"(?<![\w$.,/(+])(?:\+?1[ .-]?)?(?:\(\d{3}\)[ .-]?)?\d(?:[ \-.]?\d)*(?![\w/])"
    r"|(?:\+?1[ .-]?)?\(\d{3}\)[ .-]?\d(?:[ \-.]?\d)*(?![\w/])"
)
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")


def is_toll_free(number: str) -> bool:
    """A toll-free number ("1-800-555-0199", "(888) 555 0100"): a business line, left in."""
    digits = re.sub(r"\D", "", number)
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return len(digits) == 10 and digits[:3] in _TOLL_FREE


def _before(text: str, start: int) -> str:
    return text[max(0, start - _CUE_CHARS) : start]


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def aba_valid(digits: str) -> bool:
    if len(digits) != 9:
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def ssn_plausible(digits: str) -> bool:
    return (
        len(digits) == 9
        and digits[:3] not in ("000", "666")
        and not digits.startswith("9")
        and digits[3:5] != "00"
        and digits[5:] != "0000"
    )


class CueRecognizer(EntityRecognizer):  # type: ignore[misc]
    """A recognizer that yields (entity, start, end, score) from the text, deciding by the cues
    said before a value, in the speaker's lines or the other party's before them."""

    ENTITIES: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__(supported_entities=list(self.ENTITIES), name=type(self).__name__)

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        metadata = {
            RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        return [
            RecognizerResult(entity, start, end, score, recognition_metadata=dict(metadata))
            for entity, start, end, score in self.find(text)
            if entity in entities
        ]

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        raise NotImplementedError


class DigitRunRecognizer(CueRecognizer):
    ENTITIES = (
        "CREDIT_CARD",
        "US_SSN",
        "ROUTING_NUMBER",
        "US_BANK_NUMBER",
        "PHONE_NUMBER",
        "PASSPORT",
        "ACCOUNT_ID",
        "CARD_CVV",
        "PIN",
        "CARD_EXPIRY",
    )

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        for start, end in self._runs(text):
            run = text[start:end]
            digits = re.sub(r"\D", "", run)
            cues = _before(text, start)
            if _MONEY_AFTER.match(text[end:]) and len(digits) < 9:
                continue
            if "." in run and not re.search(r"\d\.\d{3}", run):
                continue  # a decimal ("2.5"), or an IP address (its own recognizer)
            if is_toll_free(digits) or _business_reference(cues):
                continue
            typed = self._long(digits, run, cues) if len(digits) >= 7 else None
            typed = typed or self._short(digits, cues)
            if typed:
                yield typed[0], start, end, typed[1]

    @staticmethod
    def _runs(text: str) -> Iterator[tuple[int, int]]:
        """The digit runs of `text`; runs a comma apart ("4718, 8635 2785 7946", a card read in
        two breaths) are one when together they are a valid card number, or one long number
        after a cue that asks for it (account, card, social)."""
        matches = [(m.start(), m.end()) for m in _DIGIT_RUN.finditer(text)]
        i = 0
        while i < len(matches):
            start, end = matches[i]
            j = i
            while j + 1 < len(matches) and re.fullmatch(r", ?", text[end : matches[j + 1][0]]):
                digits = re.sub(r"\D", "", text[start : matches[j + 1][1]])
                if not _joins_as_one(digits, _before(text, start)):
                    break
                j += 1
                end = matches[j][1]
            yield start, end
            i = j + 1

    @staticmethod
    def _long(digits: str, run: str, cues: str) -> tuple[str, float] | None:
        n = len(digits)
        last_cue = _last_cue(
            cues,
            {
                "CREDIT_CARD": _CARD,
                "US_SSN": _SSN,
                "ROUTING_NUMBER": _ROUTING,
                "US_BANK_NUMBER": _BANK,
                "PHONE_NUMBER": _PHONE,
                "PASSPORT": _PASSPORT,
                "ACCOUNT_ID": _ACCOUNT,
            },
        )
        if last_cue is None and _years(run):
            return None  # "twenty nineteen, twenty twenty": years said in a row
        if 13 <= n <= 19 and (luhn_valid(digits) or last_cue == "CREDIT_CARD"):
            return "CREDIT_CARD", 0.9
        if n == 9 and last_cue == "ROUTING_NUMBER":
            return "ROUTING_NUMBER", 0.85
        if n == 9 and last_cue == "US_SSN":
            return "US_SSN", 0.85
        if n == 9 and re.fullmatch(r"\d{3}[ -]\d{2}[ -]\d{4}", run) and ssn_plausible(digits):
            return "US_SSN", 0.6
        if last_cue == "ACCOUNT_ID" and n <= 17 and _at_a_bank(cues):
            return "US_BANK_NUMBER", 0.8
        if last_cue in ("US_BANK_NUMBER", "PASSPORT", "ACCOUNT_ID") and n <= 17:
            return last_cue, 0.8
        if n in (10, 11) or last_cue == "PHONE_NUMBER" or n == 7:
            return "PHONE_NUMBER", 0.7
        if n == 9 and aba_valid(digits) and (_BANK.search(cues) or _ROUTING.search(cues)):
            return "ROUTING_NUMBER", 0.7
        return "ACCOUNT_ID", 0.6

    @staticmethod
    def _short(digits: str, cues: str) -> tuple[str, float] | None:
        n = len(digits)
        recent = cues[-45:]
        # "the last four of my social": a verification secret, unlike a card's last four.
        if n == 4 and _LAST_FOUR.search(cues) and _last_cue(cues, {"S": _SSN, "C": _CARD}) == "S":
            return "US_SSN", 0.8
        # "code 737" right after a card or a security-code question counts too.
        short_code = re.search(r"\b(code|cvv|cvc)\W*$", cues) and (
            _CVV.search(cues) or _CARD.search(cues)
        )
        if n in (3, 4) and (_CVV.search(recent) or short_code):
            return "CARD_CVV", 0.8
        if 4 <= n <= 6 and _PIN.search(recent):
            return "PIN", 0.8
        if n in (3, 4, 6) and _EXPIRY.search(recent) and 1 <= int(digits[:-2] or "0") <= 12:
            return "CARD_EXPIRY", 0.8
        if 4 <= n <= 6 and _ACCOUNT.search(recent) and re.search(r"\b(number|id)\b", recent, re.I):
            return "ACCOUNT_ID", 0.6
        return None


def _at_a_bank(cues: str) -> bool:
    """The account asked for is at a bank: a bank (or a routing number) is named in the
    sentence of the last account cue ("my Wells Fargo account", "the account at PNC")."""
    starts = [m.start() for m in _ACCOUNT.finditer(cues)]
    if not starts:
        return False
    boundary = max(cues.rfind(mark, 0, starts[-1]) for mark in (". ", "? ", "! ", "\n"))
    return bool(_AT_A_BANK.search(cues[boundary + 1 :]))


def _years(run: str) -> bool:
    """Two or three years said in a row ("1990 1991"): a list of dates, not one number."""
    groups = re.split(r"[ ,-]+", run.strip())
    return 2 <= len(groups) <= 3 and all(
        len(g) == 4 and g.isdigit() and 1900 <= int(g) <= 2099 for g in groups
    )


def _joins_as_one(digits: str, cues: str) -> bool:
    """Whether digit groups said a comma apart are one number (see `DigitRunRecognizer._runs`)."""
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return True
    asked = _last_cue(
        cues[-60:],
        {"CARD": _CARD, "SSN": _SSN, "BANK": _BANK, "ACCOUNT": _ACCOUNT, "OTHER": _PHONE},
    )
    return asked in ("CARD", "SSN", "BANK", "ACCOUNT") and 9 <= len(digits) <= 19


def _business_reference(cues: str) -> bool:
    """The nearest cue names a business's own reference ("your case number is ...", "what's
    the order number?"), in the sentence of the number: "about my order. 312 555 0147 is my
    cell" is a phone number."""
    recent = cues[-60:]
    recent = recent[max(recent.rfind(". "), recent.rfind("! ")) + 1 :]
    personal = {"PERSONAL": _ACCOUNT, "CARD": _CARD, "SSN": _SSN, "BANK": _BANK, "PHONE": _PHONE}
    return _last_cue(recent, {**personal, "BUSINESS": _BUSINESS_REF}) == "BUSINESS"


def _last_cue(text: str, cues: dict[str, re.Pattern[str]]) -> str | None:
    """The entity whose cue was said last (closest to the number)."""
    best: tuple[int, str] | None = None
    for entity, pattern in cues.items():
        for match in pattern.finditer(text):
            if best is None or match.end() > best[0]:
                best = (match.end(), entity)
    return best[1] if best else None


class CardExpiryRecognizer(CueRecognizer):
    """'04/27', 'April 2027', 'oh four slash twenty seven' after an expiry cue."""

    ENTITIES = ("CARD_EXPIRY",)
    _PATTERN = re.compile(
        rf"\b(?:(?:0?[1-9]|1[0-2]) ?(?:/|-| slash | ) ?(?:20)?\d{{2}}"
        rf"|{_MONTHS},? (?:of )?(?:20)?\d{{2}})\b",
        re.IGNORECASE,
    )

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        for match in self._PATTERN.finditer(text):
            if _EXPIRY.search(_before(text, match.start())[-50:]):
                yield "CARD_EXPIRY", match.start(), match.end(), 0.8


class DateOfBirthRecognizer(CueRecognizer):
    ENTITIES = ("DATE_OF_BIRTH",)
    _PATTERN = re.compile(
        rf"\b(?:{_MONTHS}\.? (?:the )?\d{{1,2}}(?:st|nd|rd|th)?,? (?:of )?(?:19|20)?\d{{2}}"
        rf"|(?:the )?\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTHS},? (?:of )?(?:19|20)?\d{{2}}"
        r"|\d{1,2}[/ .-]\d{1,2}[/ .-](?:19|20)?\d{2}"
        r"|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:19|20)\d{2})\b",
        re.IGNORECASE,
    )

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        for match in self._PATTERN.finditer(text):
            if _BIRTH.search(_before(text, match.start())):
                yield "DATE_OF_BIRTH", match.start(), match.end(), 0.85


_STREET_SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"terrace|ter|circle|cir|parkway|pkwy|highway|hwy|trail|trl|square|sq|loop|alley|crossing|"
    r"xing|path|pike|plaza|point|pt|ridge|run|row|walk|well|wells|view|village|vista|mount|"
    r"mountain|mission|mill|mills|meadow|meadows|manor|light|lights|landing|lake|lakes|key|"
    r"junction|island|isle|hollow|hill|hills|heights|haven|harbor|green|grove|glen|gateway|"
    r"garden|gardens|fork|forks|ford|fields|field|falls|extension|estate|estates|expressway|"
    r"creek|crest|cove|corner|corners|common|club|cliff|cliffs|center|camp|canyon|burg|brook|"
    r"branch|bridge|bluff|bend|beach|bay|avenue|arcade|route|rte|turnpike|tunnel|union|unions|"
    r"valley|ville|vis|port|ports|prairie|radial|ramp|ranch|rapid|rapids|rest|river|shoal|"
    r"shoals|shore|shores|skyway|spring|springs|spur|station|stravenue|stream|summit|throughway|"
    r"trace|track|trafficway|underpass|viaduct|motorway|park|pass|pines|pine|plain|plains|"
    r"oval|overpass|orchard|neck|mall|locks|lock|loaf|knoll|knolls|inlet|freeway|flat|flats|"
    r"ferry|dam|divide|dale|courts|curve|crescent|causeway|cape|byway|bypass|bottom|burgs)"
)
_STATE_NAMES = (
    r"(?:alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|"
    r"hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|"
    r"massachusetts|michigan|minnesota|mississippi|missouri|montana|nebraska|nevada|"
    r"new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma|"
    r"oregon|pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|utah|"
    r"vermont|virginia|washington|west virginia|wisconsin|wyoming)"
)
_STATES = (
    r"(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|"
    r"S[CD]|T[NX]|UT|V[AT]|W[AIVY]|[A-Z][a-z]+(?: [A-Z][a-z]+)?)"
)


class StreetAddressRecognizer(CueRecognizer):
    """A house number, a street name and a suffix; then unit, city, state and ZIP if said."""

    ENTITIES = ("STREET_ADDRESS",)
    # The street's own name may be a suffix word too ("Hill Court", "Meadow Lane", "Spring
    # Place"): a second suffix right after the first belongs to the address. City and state are
    # capitalized words (case-sensitive), so "Tampa, FL as the address" ends at "FL".
    _PATTERN = re.compile(
        r"\b\d{1,6}[A-Za-z]? (?:(?:[NSEW]\.?|north|south|east|west|northeast|northwest|"
        r"southeast|southwest) )?(?:[A-Za-z0-9'.]+ ){0,3}?" + _STREET_SUFFIX + r"\b\.?"
        r"(?: " + _STREET_SUFFIX + r"\b\.?)?"
        r"(?:,? (?:(?:apt|apartment|unit|suite|ste|number|no)\b\.?|#) ?#?\s?[A-Za-z0-9-]+)?"
        r"(?-i:(?:,? (?:[A-Z][a-z]+ ){0,2}[A-Z][a-z]+,? " + _STATES + r"\b"
        r"(?:,? \d{5}(?:-\d{4})?)?)?)"
        r"(?:,? \d{5}(?:-\d{4})?)?",
        re.IGNORECASE,
    )

    # Raw speech-to-text writes "dayton ohio 45402" in lower case: city words and a state run
    # on to a ZIP code (required: without capitals nothing else says where the city ends).
    _LOWER_TAIL = re.compile(
        r",? (?:[a-z'-]+ ){1,3}?(?:" + _STATE_NAMES + r"|[a-z]{2}),? \d{5}(?:-\d{4})?\b"
    )

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        for match in self._PATTERN.finditer(text):
            end = match.end()
            tail = self._LOWER_TAIL.match(text, end)
            if tail:
                end = tail.end()
            # Above the name model's score: "Mill Court" in an address is a street, not a person.
            yield "STREET_ADDRESS", match.start(), end, 0.9


class StreetNameRecognizer(CueRecognizer):
    """A street named without a house number where a place is said ("the depot is on Juniper
    Avenue", "we moved to Rue des Lilas", "I live off Mannerheimintie"): it still says where
    someone lives or works.

    After a word that places something ("on", "off", "at", "to", "near", "moved to", ...): one to
    three name words and a street word ("Juniper Avenue"), a street word and a name ("Rue des
    Lilas", "Via Garibaldi"), or one word that is a street by its ending ("Lindenstraße",
    "Sveavägen", "Keizersgracht", "Kingsway"). In written text the name words are capitalized;
    in text all in lower case they must not be everyday English ("on hold way too long" is no
    street, "on juniper avenue" is).
    """

    ENTITIES = ("STREET_ADDRESS",)
    # Opened by the letters its words start with, as the name cues are (see `names`).
    _PLACE_CUE = r"(?=[abdfinoptu])(?:on|off|at|to|near|along|onto|from|into|down|up|in|past|by|of)"
    # Street words that are also everyday words ("way", "drive", "place") count only when
    # capitalized; these do in any case.
    _SUFFIX_ANY_CASE = (
        r"(?:street|avenue|road|boulevard|lane|terrace|crescent|parkway|highway|strasse|straße|"
        r"gasse|allee|utca|ulica|straat|gracht|vej|gade|gatan|vägen)"
    )
    _SUFFIX_CAPITALIZED = (
        r"(?:St|Ave|Rd|Blvd|Ln|Dr|Drive|Ct|Court|Way|Place|Pl|Close|Grove|Gardens|Square|Row|"
        r"Mews|Walk|Circle|Trail|Hill|Rise|Parade|Esplanade|Quay|Wharf|Embankment)"
    )
    _BEFORE = re.compile(
        rf"\b{_PLACE_CUE}\s+((?:[^\W\d_][\w'\u2019-]*\s+){{1,3}})"
        rf"((?i:{_SUFFIX_ANY_CASE})|{_SUFFIX_CAPITALIZED}\b\.?)(?!\w)",
        re.IGNORECASE,
    )
    _PREFIX_WORDS = (
        r"(?:rue|via|viale|calle|carrer|avenida|rua|corso|piazza|paseo|avinguda|ulica|plac)"
    )
    _AFTER = re.compile(
        rf"\b{_PLACE_CUE}\s+({_PREFIX_WORDS}\s+"
        r"(?:(?:de la|de los|de las|des|du|de|del|della|dei|da|das|do|dos|di|la|le|les)\s+)?"
        r"[^\W\d_][\w'\u2019-]*)",
        re.IGNORECASE,
    )
    _ONE_WORD = re.compile(
        rf"\b{_PLACE_CUE}\s+([^\W\d_]{{3,}}(?:straße|strasse|weg|allee|gasse|platz|damm|ring|"
        r"vägen|gatan|gata|veien|vej|gade|tie|katu|straat|gracht|laan|kade|way))\b",
        re.IGNORECASE,
    )

    def __init__(self) -> None:
        super().__init__()
        from warmtransfer.rag.redaction.lexicon import Lexicon

        self._lexicon = Lexicon.shared()

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        lower_case = not any(ch.isupper() for ch in text[text.rfind("\n") + 1 :])
        # 0.9, above the name model's score: "Juniper Avenue" is a street, not a person.
        for m in self._BEFORE.finditer(text):
            words = list(re.finditer(r"\S+", m.group(1)))
            # The street's name: the words right before the street word that can name one.
            start = None
            for word in reversed(words):
                if not self._names_street(word.group(), lower_case):
                    break
                start = m.start(1) + word.start()
            if start is not None:
                yield "STREET_ADDRESS", start, m.end(2), 0.9
        for m in self._AFTER.finditer(text):
            name = m.group(1).split()[-1]
            if self._names_street(name, lower_case) or name[0].isupper():
                yield "STREET_ADDRESS", m.start(1), m.end(1), 0.9
        for m in self._ONE_WORD.finditer(text):
            street = m.group(1)
            if self._lexicon.zipf(street) < 3.0 and (street[0].isupper() or lower_case):
                yield "STREET_ADDRESS", m.start(1), m.end(1), 0.9

    def _names_street(self, word: str, lower_case: bool) -> bool:
        if word.lower() in {"the", "a", "an", "my", "our", "your", "their", "his", "her", "this"}:
            return False
        if not lower_case:
            return word[0].isupper()
        return self._lexicon.zipf(word) < 4.5


class WorldAddressRecognizer(CueRecognizer):
    """Addresses as most of the world writes them: the house number after the street
    ("Lindenstraße 12", "Calle Mayor 5"), or before a street named by its first word ("12 rue
    des Lilas"), then the postcode before the city ("10115 Berlin", "00-639 Warszawa", "1015 CJ
    Amsterdam"). Said aloud, the house number and the postcode run together once written out
    ("mannerheimintie 800100 helsinki"), so a run of up to ten digits follows the street."""

    ENTITIES = ("STREET_ADDRESS",)
    _WORD = r"[^\W\d_][\w'\u2019.-]*"
    _PREFIX = (
        r"(?:rue|avenue|boulevard|bd|allée|place|chemin|quai|impasse|via|viale|corso|piazza|"
        r"largo|calle|avenida|av\.?|paseo|carrer|camino|rua|travessa|praça|ul\.?|ulica|al\.?|"
        r"aleja|plac|utca|út|tér|strada|bulevardul|str\.?)"
    )
    _PARTICLE = (
        r"(?:(?:de la|de los|de las|des|du|de|del|della|dei|da|das|do|dos|di|la|le|les)\s+)?"
    )
    _ENDING = (
        r"(?:straße|strasse|str\.|weg|allee|gasse|platz|damm|ring|ufer|chaussee|vägen|gatan|"
        r"gata|gate|gaten|veien|vei|vej|gade|tie|katu|polku|straat|gracht|laan|kade|plein|steeg|"
        r"torg|torget|vegur|ská|ova|ová|ho|utca|út|u\.)"
    )
    _SUFFIX = (
        r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|way|close|crescent|terrace|grove|"
        r"utca|út|caddesi|cadde|sokak|sokağı|plads|torv|torg|vegur|gata|gatan|straat|weg|allee|"  # noqa: RUF001
        r"platz|ulica|ulice|aleja|náměstí|namesti|trg|tér|sétány|körút)"
    )
    _POSTCODE = r"(?:\d{2}-\d{3}|\d{4}-\d{3}|\d{3} \d{2}|\d{4} ?[A-Z]{2}|\d{4,5})"
    _CITY = r"(?:[^\W\d_][\w'\u2019-]*)(?: (?-i:[A-Z])[\w'\u2019-]*)?"
    # A street word, then the house number. The lookaheads only say early what the rest will
    # require (a number after the word, or after the second or third word), so that words not
    # followed by one are not searched for an ending letter by letter.
    _TOKEN = r"[^\W\d_][\w'\u2019.-]*+"
    _STREET = (
        rf"(?:{_PREFIX}\s+{_PARTICLE}{_WORD}(?:\s+(?-i:[A-Z])[\w'\u2019-]*){{0,2}}"
        rf"|(?={_TOKEN}\s+\d){_WORD}{_ENDING}"
        rf"|(?=(?:{_TOKEN}\s+){{2,3}}\d)(?:{_WORD}\s+){{1,2}}{_SUFFIX}\.?)"
    )
    _PATTERN = re.compile(
        rf"\b(?:{_STREET}\s+\d{{1,10}}[a-z]?\b(?:/\d+)?|\d{{1,4}}[a-z]?,?\s+{_PREFIX}\s+"
        rf"{_PARTICLE}{_WORD}(?:\s+{_WORD}){{0,2}}?(?=,?\s+{_POSTCODE}\b))"
        rf"(?:,?\s+{_POSTCODE},?\s+{_CITY})?",
        re.IGNORECASE,
    )

    # Any street, told by what follows it: a house number, a comma, a postcode and a city
    # ("Sankt Annæ Plads 4, 1250 København"): the words before the number are capitalized.
    _BY_POSTCODE = re.compile(
        r"(?-i:\b(?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'\u2019.-]*\s+(?:(?:de|des|du|di|da|la|le|van|von|der|na)\s+)?)"
        rf"{{1,4}})\d{{1,4}}[a-z]?,\s+{_POSTCODE}\s+{_CITY}",
    )
    _NEXT_WORD = re.compile(r" ([^\W\d_]{2,})")
    # Said aloud, the same: street words English does not use, then the house number and the
    # postcode run together once written out, then the city.
    _RUN = re.compile(r"\b((?:[^\W\d_][\w'\u2019-]*+\s+){1,4})(\d{5,10})\s+([^\W\d_]{3,})")
    _RUN_DIGITS = re.compile(r"\d{5}")
    _NUMBER_COMMA_POSTCODE = re.compile(r"\d[a-z]?,\s+\d")

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        yield from self._by_structure(text)
        for match in self._PATTERN.finditer(text):
            value = match.group()
            # A street word and a count are not an address ("Mill Road 2 times").
            if _MONEY_AFTER.match(text[match.end() :]):
                continue
            if not re.search(r"[^\W\d_]{3,}", value):
                continue
            end = match.end()
            # In lower case a city's second word ("les mureaux") has no capital to show it:
            # taken when it is no English word.
            more = self._NEXT_WORD.match(text, end)
            if (
                more
                and value[-1].isalpha()
                and value.islower()
                and self._lexicon.zipf(more.group(1)) < 3.0
            ):
                end = more.end()
            # Said aloud, the house number and postcode ran together: the city comes next.
            if re.search(r"\d{5,}$", value):
                city = re.compile(r"\s+([^\W\d_]{3,})").match(text, end)
                if city and self._lexicon.zipf(city.group(1)) < 4.5:
                    end = city.end()
            yield "STREET_ADDRESS", match.start(), end, 0.9

    def __init__(self) -> None:
        super().__init__()
        from warmtransfer.rag.redaction.lexicon import Lexicon

        self._lexicon = Lexicon.shared()

    def _by_structure(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        if self._NUMBER_COMMA_POSTCODE.search(text):
            for match in self._BY_POSTCODE.finditer(text):
                yield "STREET_ADDRESS", match.start(), match.end(), 0.9
        if not self._RUN_DIGITS.search(text):
            return
        for match in self._RUN.finditer(text):
            words = list(re.finditer(r"\S+", match.group(1)))
            start = None
            for word in reversed(words):
                if self._lexicon.zipf(word.group()) >= 3.5:
                    break
                start = match.start(1) + word.start()
            city = match.group(3)
            if start is None or self._lexicon.zipf(city) >= 4.5:
                continue
            yield "STREET_ADDRESS", start, match.end(), 0.9


class AlphanumericIdRecognizer(CueRecognizer):
    """Member, policy and customer IDs with letters and digits ('MBR-4417-2290')."""

    ENTITIES = ("ACCOUNT_ID", "PASSPORT")
    # Letters and digits may be said a pause apart ("I D I, four zero one ...").
    _PATTERN = re.compile(
        r"\b(?=[A-Z0-9 ,-]*\d)(?=[A-Z0-9 ,-]*[A-Z])[A-Z]{1,5}(?:, ?|[- ])?\d[\dA-Z]*"
        r"(?:[- ]\d[\dA-Z]*){0,3}\b"
        r"|\b\d{2,}[- ]?[A-Z]{1,4}[- ]?\d[\dA-Z]*\b"
    )

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        for match in self._PATTERN.finditer(text):
            value = match.group()
            digits = sum(ch.isdigit() for ch in value)
            cues = _before(text, match.start())
            if _business_reference(cues):
                continue
            if _PASSPORT.search(cues[-60:]) and digits >= 6:
                yield "PASSPORT", match.start(), match.end(), 0.8
            elif digits >= 5 or (digits >= 3 and _ACCOUNT.search(cues[-60:])):
                yield "ACCOUNT_ID", match.start(), match.end(), 0.7


class IbanRecognizer(CueRecognizer):
    """IBANs said or written in any grouping ("G B three six, V E D F, zero seven ..." is
    "G B 36, VEDF, 0701 ..."), kept only when the mod-97 checksum holds."""

    ENTITIES = ("IBAN_CODE",)
    # Raw speech-to-text writes the letters in lower case ("d e eight nine ...", "g b ... n w b
    # k"): the country code in any case, and inside the number a letter standing alone.
    _PATTERN = re.compile(
        r"\b(?i:[A-Z]) ?(?i:[A-Z]),? ?\d ?\d"
        r"(?:,? ?(?:[A-Z0-9]|(?<![a-z])[a-z](?![a-z]))){10,40}\b"
    )

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        for match in self._PATTERN.finditer(text):
            span = match.group()
            # Trim trailing characters until the checksum holds (the regex may run on).
            for cut in range(len(span), 14, -1):
                if not span[cut - 1].isalnum():
                    continue
                if _iban_valid(re.sub(r"[ ,]", "", span[:cut])):
                    yield "IBAN_CODE", match.start(), match.start() + cut, 0.95
                    break


def _iban_valid(iban: str) -> bool:
    iban = iban.upper()
    if not 15 <= len(iban) <= 34:
        return False
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


class IpAddressRecognizer(CueRecognizer):
    """IPv4 addresses, public or private; not a version number ("version 1.2.3.4")."""

    ENTITIES = ("IP_ADDRESS",)
    _PATTERN = re.compile(
        r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.]?\d)"
    )
    _VERSION = _cue(
        r"\b(version|v|firmware|build|release|update|ios|android|windows)\b(?:\W+\w+){0,2}\W*$"
    )

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        for match in self._PATTERN.finditer(text):
            if not self._VERSION.search(_before(text, match.start())[-30:]):
                yield "IP_ADDRESS", match.start(), match.end(), 0.9
