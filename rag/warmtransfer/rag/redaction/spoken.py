"""Spoken forms to written forms, with a map back to the original text.

Live speech-to-text writes what was *said*: "four one one one", "double five", "john dot smith
at gmail dot com", "S M I T H", "the fifth of March nineteen eighty four". Recognizers are written
for written forms, so the analyzer reads a normalized copy:

    "four one one one, one one one one"   -> "4111 1111"
    "double five oh"                      -> "550"
    "one twenty three Main Street"        -> "123 Main Street"
    "nineteen eighty-four"                -> "1984"
    "March fifth"                         -> "March 5"
    "john dot smith at gmail dot com"     -> "john.smith@gmail.com"
    "one nine two dot one six eight ..."  -> "192.168 ..."
    "S M I T H", "s-m-i-t-h"              -> "SMITH"
    "B as in boy, A as in apple, R, B"    -> "BARB"
    "two thousand one", "suite three hundred" -> "2001", "suite 300"
    "twelve...", "four five..." (a pause) -> "12,", "45,"

`normalize` returns the copy and, for each of its characters, the span of original text it came
from, so a finding in the copy maps back to exactly the words that were spoken.

Number words in a row are read as *digits to be concatenated* (how people say card numbers,
phone numbers and years), never summed: "twenty five" is "25" and "one twenty three" is "123".
"hundred" and "thousand" make a quantity said as a cardinal ("two hundred" is "200", "two thousand
one" is "2001", "nineteen hundred and five" is "1905"), which ends the run; inside a number read
digit by digit, "hundred" is two zeros ("one eight hundred, five five five ..." is "1800 555 ...").
A lone "oh" or "a" is a word, not a digit or a letter.

A trailing ellipsis is a pause inside an utterance ("four five six..." and the rest said after the
other party's "uh-huh"): it is written as a comma, so what continues after it is read as one value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Normalized", "normalize"]

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
_MONTHS = frozenset(
    "january february march april may june july august september october november december "  # noqa: SIM905
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_MULTIPLIERS = {"hundred": 100, "thousand": 1000}
_REPEATS = {"double": 2, "triple": 3}
# Country domains too, said after "dot" ("anna dot berg at gmx dot at").
_TLD_WORDS = (
    "com net org edu gov io co us uk ca de fr biz info me ai app dev mail email online "
    "at ch be nl lu se no dk fi is pl cz sk hu ro bg hr si rs it es pt ie gr tr ru ua ee lv "
    "lt in pk ng za ke gh jp cn kr tw vn id ph th my sg au nz br mx ar cl pe eu"
)
_TLDS = frozenset(_TLD_WORDS.split())
_DOTS = frozenset({"dot", "."})
_CONNECTORS = {"dot": ".", "underscore": "_", "dash": "-", "hyphen": "-"}
# Between groups of spoken digits: a pause mark becomes a space; "dot" or "point" a dot
# ("one nine two dot one six eight ..." is an IP address, "two point five" a decimal).
_GROUP_SEPARATORS = {",": " ", "-": " ", "dash": " ", "dot": ".", "point": ".", "...": " "}
# A pause ("," or an ellipsis) may stand before a "dot" that continues an address: "one nine two
# dot one six eight, dot one dot five" is one IP address said in two breaths.
_PAUSES = frozenset({",", "..."})
# Words said before an address, never its local part: "it's j reeves at ...", "is bo at ...".
_LEAD_IN = frozenset(
    "is it its that thats email mail address at me my to was yes yeah sure okay ok so and the "  # noqa: SIM905
    "um uh send use try".split()
)
# "B as in boy", "B for boy": the word after the cue only names the letter.
_SPELLING_CUES = (("as", "in"), ("for",))

# Words, numbers, ellipses, or single punctuation marks; a hyphenated word is split ("eighty-four")
# unless it is a spelled letter run ("s-m-i-t-h", handled below as letters).
_TOKEN = re.compile(r"[^\W\d_]+|\d+|\.{2,}|\u2026|[^\w\s]|_")


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    start: int
    end: int
    low: str  # lower-cased text; every ellipsis ("...", "…") reads as "..."


def _token(match: re.Match[str]) -> _Token:
    text = match.group()
    low = "..." if text == "\u2026" or text.startswith("..") else text.lower()
    return _Token(text, match.start(), match.end(), low)


@dataclass(frozen=True, slots=True)
class Normalized:
    """The written form of a text, and where each of its characters came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of original text that produced `text[start:end]` (`end > start`)."""
        return self.starts[start], self.ends[end - 1]


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def emit(self, text: str, start: int, end: int, *, exact: bool = False) -> None:
        """Append `text`, produced by original `[start, end)`; `exact` maps it char for char."""
        self.parts.append(text)
        if exact:
            self.starts.extend(range(start, start + len(text)))
            self.ends.extend(range(start + 1, start + len(text) + 1))
        else:
            self.starts.extend([start] * len(text))
            self.ends.extend([end] * len(text))

    def build(self) -> Normalized:
        return Normalized("".join(self.parts), tuple(self.starts), tuple(self.ends))


def _is_letter(token: _Token) -> bool:
    return len(token.text) == 1 and token.text.isalpha()


def _digit_value(tokens: list[_Token], i: int) -> tuple[str, int] | None:
    """The digits said by the number words at `tokens[i]`, and how many tokens they take."""
    low = tokens[i].low
    if low.isdigit():
        return tokens[i].text, 1
    nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
    if low in _REPEATS and nxt in _UNITS | {"oh": 0}:
        digit = str(_UNITS.get(nxt, 0))
        return digit * _REPEATS[low], 2
    if low in _TENS:
        # "eighty-four", written with a hyphen.
        if (
            nxt == "-"
            and i + 2 < len(tokens)
            and tokens[i + 1].start == tokens[i].end
            and _UNITS.get(tokens[i + 2].low, 0) > 0
        ):
            return str(_TENS[low] + _UNITS[tokens[i + 2].low]), 3
        if nxt in _UNITS and _UNITS[nxt] > 0:
            return str(_TENS[low] + _UNITS[nxt]), 2
        if nxt in _ORDINALS and _ORDINALS[nxt] < 10:
            return str(_TENS[low] + _ORDINALS[nxt]), 2
        return str(_TENS[low]), 1
    if low in _TEENS:
        return str(_TEENS[low]), 1
    if low in _UNITS:
        return str(_UNITS[low]), 1
    return None


def _is_number_word(tokens: list[_Token], i: int) -> bool:
    return i < len(tokens) and _digit_value(tokens, i) is not None


def _is_digit_word(tokens: list[_Token], i: int) -> bool:
    """A number word, or 'oh' (which may be zero)."""
    return i < len(tokens) and (_is_number_word(tokens, i) or tokens[i].low == "oh")


def _oh_is_digit(tokens: list[_Token], i: int) -> bool:
    """'oh' is zero right after other number words ("four oh four"), or before two of them:
    "oh four twenty seven", "oh four, thirty one" (a month, a pause, a year)."""
    if i > 0 and _is_digit_word(tokens, i - 1):
        return True
    if not _is_digit_word(tokens, i + 1):
        return False
    if i + 2 < len(tokens) and _is_number_word(tokens, i + 2):
        return True
    return (
        i + 3 < len(tokens)
        and tokens[i + 2].low in _GROUP_SEPARATORS
        and _is_number_word(tokens, i + 3)
    )


def _below_hundred(tokens: list[_Token], i: int) -> tuple[int, int] | None:
    """The value of the number words 1..99 at `tokens[i]` ("seventy six", "twelve"), and their
    width; written digits and "double five" are not part of a cardinal."""
    if i >= len(tokens) or tokens[i].low.isdigit() or tokens[i].low in _REPEATS:
        return None
    value = _digit_value(tokens, i)
    if value is None or int(value[0]) == 0 or int(value[0]) > 99:
        return None
    return int(value[0]), value[1]


def _cardinal(tokens: list[_Token], i: int) -> tuple[int, int] | None:
    """A quantity said with "hundred" or "thousand" at `tokens[i]`, and its width in tokens.

    "three hundred" is 300, "two thousand one" 2001, "twelve hundred and five" 1205, "one
    thousand two hundred fifty" 1250. None unless a multiplier follows the first number.
    """
    first = _below_hundred(tokens, i)
    if first is None:
        return None
    j = i + first[1]
    if j >= len(tokens) or tokens[j].low not in _MULTIPLIERS:
        return None
    total, value = 0, first[0]
    while j < len(tokens) and tokens[j].low in _MULTIPLIERS:
        multiplier = _MULTIPLIERS[tokens[j].low]
        if multiplier == 1000 and total == 0:
            total, value = (value or 1) * 1000, 0
        elif multiplier == 100 and value and value < 100:
            value *= 100
        else:
            break
        j += 1
        # What follows: "and" + the rest, another "<n> hundred", or the last one to 99.
        k = j + 1 if j < len(tokens) and tokens[j].low == "and" else j
        nxt = _below_hundred(tokens, k)
        if nxt is None:
            break
        after = k + nxt[1]
        if after < len(tokens) and tokens[after].low == "hundred" and value == 0:
            value, j = nxt[0], after
            continue
        if value % 100 == 0:
            value += nxt[0]
            j = after
        break
    return total + value, j - i


def normalize(text: str) -> Normalized:
    """The written form of spoken `text`; see the module docstring."""
    return _Normalizer(text).run()


class _Normalizer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = [_token(m) for m in _TOKEN.finditer(text)]
        # An address said aloud needs an "at" and a "dot" after it: without them, no token
        # can start one.
        lows = [t.low for t in self.tokens]
        at = lows.index("at") if "at" in lows else len(lows)
        self.may_spell_email = any(low in _DOTS for low in lows[at + 1 :])
        self.out = _Builder()
        self.last_end = 0

    def run(self) -> Normalized:
        tokens = self.tokens
        i = 0
        while i < len(tokens):
            consumed = (
                (self.may_spell_email and self._email(i))
                or self._number_run(i)
                or self._ordinal(i)
                or self._letters(i)
            )
            if consumed:
                i += consumed
                continue
            if tokens[i].low == "...":
                self._emit_from(i, ",", i + 1)  # a pause: what follows continues the utterance
            else:
                self._emit_from(i, tokens[i].text, i + 1, exact=True)
            i += 1
        self._gap(len(self.text))
        return self.out.build()

    def _gap(self, upto: int) -> None:
        """Copy what lies between the last token used and `upto`: whitespace becomes one space."""
        between = self.text[self.last_end : upto]
        if between:
            if between.strip():
                self.out.emit(between, self.last_end, upto, exact=True)
            else:
                self.out.emit(" ", self.last_end, upto)
        self.last_end = max(self.last_end, upto)

    def _emit_from(self, i: int, written: str, j: int, *, exact: bool = False) -> None:
        """Write `written` for tokens `[i, j)`."""
        start, end = self.tokens[i].start, self.tokens[j - 1].end
        self._gap(start)
        self.out.emit(written, start, end, exact=exact)
        self.last_end = end

    def _group_separator(self, j: int) -> tuple[str, int] | None:
        """What joins two groups of digits at `tokens[j]`, and its width: a pause (" "), "dot"
        ("."), or a pause then "dot" ("one six eight, dot one", an address said in two breaths).
        None unless more digits follow."""
        tokens = self.tokens
        low = tokens[j].low
        if (
            low in _PAUSES
            and j + 2 < len(tokens)
            and tokens[j + 1].low in _DOTS
            and _is_digit_word(tokens, j + 2)
        ):
            return ".", 2
        if low not in _GROUP_SEPARATORS:
            return None
        if _is_number_word(tokens, j + 1):
            return _GROUP_SEPARATORS[low], 1
        # "oh" opens a group only when a digit follows it ("oh oh eight", not "oh, well").
        if tokens[j + 1 : j + 2] and tokens[j + 1].low == "oh" and _is_digit_word(tokens, j + 2):
            return _GROUP_SEPARATORS[low], 1
        return None

    def _number_run(self, i: int) -> int:
        """A run of number words or digits; groups split by pauses or dashes become spaces, by
        "dot" dots. A cardinal ("three hundred", "two thousand one") stands alone."""
        tokens = self.tokens
        cardinal = _cardinal(tokens, i)
        if cardinal is not None and not self._hundred_in_digits(i + 1, 1):
            amount, width = cardinal
            self._emit_from(i, str(amount), i + width)
            return width
        groups: list[tuple[int, int, str]] = []  # (first token, last token, digits)
        joins: list[str] = []  # what stands between groups: " " for a pause, "." for "dot"
        digits, first = "", i
        any_words = False
        j = i
        while j < len(tokens):
            low = tokens[j].low
            if low == "oh" and (digits or groups or _oh_is_digit(tokens, j)):
                digits += "0"
                any_words = True
                j += 1
                continue
            value = _digit_value(tokens, j)
            if value is not None:
                digits += value[0]
                any_words = any_words or not low.isdigit()
                j += value[1]
                if len(value[0]) == 1 and self._hundred_in_digits(j, j - i):
                    digits += "00"  # "one eight hundred": 1-800
                    j += 1
                elif j < len(tokens) and tokens[j].low in _MULTIPLIERS:
                    break  # "two hundred" after other digits: the run ends before the quantity
                continue
            separator = self._group_separator(j) if digits else None
            if separator is None:
                break
            groups.append((first, j - 1, digits))
            joins.append(separator[0])
            j += separator[1]
            digits, first = "", j
        if digits:
            groups.append((first, j - 1, digits))
        if not groups or not any_words:
            return 0
        for k, (start, last, written) in enumerate(groups):
            if k:
                prev_end = tokens[groups[k - 1][1]].end
                self.out.emit(joins[k - 1], prev_end, tokens[start].start)
                self.last_end = tokens[start].start
            self._emit_from(start, written, last + 1)
        return groups[-1][1] + 1 - i

    def _hundred_in_digits(self, j: int, said: int) -> bool:
        """Whether "hundred" at `tokens[j]`, after a digit, is two zeros of a number read digit
        by digit: "one eight hundred, five five five ..." (after other digits, or before a
        pause and more digits), not the quantity "eight hundred"."""
        tokens = self.tokens
        if j >= len(tokens) or tokens[j].low != "hundred":
            return False
        if said > 1:
            return True
        follows = j + 1 < len(tokens) and self._group_separator(j + 1) is not None
        return follows and _cardinal(tokens, j + 2) is None

    def _ordinal(self, i: int) -> int:
        """'fifth' -> '5', 'twenty first' -> '21', in a date only: next to a month ("March
        fifth", "the fifth of March"); "first name" and "second time" stay words."""
        tokens = self.tokens
        low = tokens[i].low
        if low in _ORDINALS:
            value, width = _ORDINALS[low], 1
        elif low in _TENS and i + 1 < len(tokens) and tokens[i + 1].low in _ORDINALS:
            value, width = _TENS[low] + _ORDINALS[tokens[i + 1].low], 2
        else:
            return 0
        if not self._next_to_month(i, i + width):
            return 0
        self._emit_from(i, str(value), i + width)
        return width

    def _next_to_month(self, i: int, j: int) -> bool:
        """A month before `tokens[i]` ("March [the]") or after `tokens[j - 1]` ("[of] March")."""
        before = [t.low for t in self.tokens[max(0, i - 2) : i]]
        after = [t.low for t in self.tokens[j : j + 2]]
        if before[-1:] == ["the"]:
            before = before[:-1]
        if after[:1] == ["of"]:
            after = after[1:]
        return bool(before[-1:] and before[-1] in _MONTHS) or bool(after and after[0] in _MONTHS)

    def _spelling_cue(self, j: int, letter: str) -> int:
        """Tokens taken by "as in boy" / "for boy" after the letter B at `tokens[j - 1]`: the
        word that names a letter starts with it."""
        tokens = self.tokens
        for cue in _SPELLING_CUES:
            k = j + len(cue)
            if (
                k < len(tokens)
                and tuple(t.low for t in tokens[j:k]) == cue
                and tokens[k].text.isalpha()
                and len(tokens[k].text) > 1
                and tokens[k].low[0] == letter.lower()
            ):
                return len(cue) + 1
        return 0

    def _letter_separator(self, j: int) -> int:
        """Tokens between two spelled letters at `tokens[j]`: a dash or dot glued to the letter
        ("s-m-i", "S. M. I."), a comma or a pause ("K, E, V", "B A R R... O N")."""
        tokens = self.tokens
        if j + 1 >= len(tokens):
            return 0
        sep = tokens[j]
        glued = sep.text in {"-", "."} and sep.start == tokens[j - 1].end
        if not (glued or sep.low in _PAUSES):
            return 0
        nxt = tokens[j + 1]
        return 1 if _is_letter(nxt) or (nxt.low == "double" and j + 2 < len(tokens)) else 0

    def _letters(self, i: int) -> int:
        """A run of spelled letters: three or more ("S M I T H", "s-m-i-t-h", "K, E, V, I, N"),
        or two named ones ("B as in boy, O as in oscar"); "double L" is two."""
        tokens = self.tokens
        if i and tokens[i].start == tokens[i - 1].end:
            return 0  # the end of a word ("that's"), not a spelled letter
        written: list[str] = []
        named = False
        j = end = i
        while j < len(tokens):
            if _is_letter(tokens[j]):
                written.append(tokens[j].text.upper())
                j += 1
            elif written and tokens[j].low == "double" and j + 1 < len(tokens):
                if not _is_letter(tokens[j + 1]):
                    break
                written.append(tokens[j + 1].text.upper() * 2)
                j += 2
            else:
                break
            cue = self._spelling_cue(j, written[-1][0])
            named = named or bool(cue)
            j = end = j + cue
            j += self._letter_separator(j)
        count = sum(len(w) for w in written)
        if count < (2 if named else 3) or all(w in {"A", "I"} for w in written):
            return 0
        self._emit_from(i, "".join(written), end)
        return end - i

    def _email(self, i: int) -> int:
        """'john dot smith at gmail dot com' -> 'john.smith@gmail.com'.

        Starts at the local part's first piece: pieces joined by dot/underscore/dash words (a
        piece is a word, spelled letters, or an initial with a word, with digits after:
        "julie s three seven", "taylor dot daniel twenty five"), then 'at' (after a pause, if
        the address was said in two breaths), a domain word, and 'dot <word>' parts ending in a
        top-level domain.
        """
        tokens = self.tokens
        if i and tokens[i].start == tokens[i - 1].end and not tokens[i].text.isdigit():
            return 0  # the end of a word ("it's"), not the start of an address
        piece = self._email_piece(i)
        if piece is None:
            return 0
        pieces, j = [piece[0]], piece[1]
        while j + 1 < len(tokens) and tokens[j].low in _CONNECTORS:
            piece = self._email_piece(j + 1)
            if piece is None:
                return 0
            pieces.append(_CONNECTORS[tokens[j].low] + piece[0])
            j = piece[1]
        if j < len(tokens) and tokens[j].low in _PAUSES:
            j += 1
        if not (j + 3 < len(tokens) and tokens[j].low == "at" and tokens[j + 1].text.isalnum()):
            return 0
        pieces.append("@" + tokens[j + 1].text)
        j += 2
        end, written = 0, ""
        while j + 1 < len(tokens) and tokens[j].low in _DOTS and tokens[j + 1].text.isalnum():
            pieces.append("." + tokens[j + 1].text)
            j += 2
            if tokens[j - 1].low in _TLDS:
                end, written = j, "".join(pieces)
        if not end:
            return 0
        self._emit_from(i, written.lower(), end)
        return end - i

    def _email_piece(self, i: int) -> tuple[str, int] | None:
        """One piece of an address's local part at `tokens[i]` and where it ends: spelled letters
        ("j o h n"), or up to two letters, a word and up to two letters ("j reeves", "julie s"),
        then any digits said ("twenty five"). None when nothing there can be a local part."""
        tokens = self.tokens
        j = i
        while j < len(tokens) and _is_letter(tokens[j]):
            j += 1
        written = "".join(t.text for t in tokens[i:j])
        if j - i <= 2 and j < len(tokens) and self._is_local_word(tokens[j]):
            written += tokens[j].text
            k = j = j + 1
            while j < len(tokens) and _is_letter(tokens[j]) and j - k < 2:
                written += tokens[j].text
                j += 1
        while j < len(tokens):
            if tokens[j].low == "oh" and (written[-1:].isdigit() or _is_number_word(tokens, j + 1)):
                written, j = written + "0", j + 1
                continue
            value = _digit_value(tokens, j)
            if value is None:
                break
            written, j = written + value[0], j + value[1]
        if not written:
            return None
        return written, j

    @staticmethod
    def _is_local_word(token: _Token) -> bool:
        """A word that can be (part of) an address's local part: not a number word, not one of
        the words said before an address ("it's", "is", "email")."""
        low = token.low
        return (
            token.text.isalpha()
            and len(low) > 1
            and low not in _UNITS
            and low not in _TEENS
            and low not in _TENS
            and low not in _LEAD_IN
            and low not in _CONNECTORS
        )
