"""People's names that spaCy's English name model misses: names from every country, said in
ways an English news corpus rarely shows, and written in lower case by raw speech-to-text.

Two recognizers, both here:

- `NameCueRecognizer` reads a name that follows a cue wherever the cue stands ("my name is Dawn,
  Durham", "Mrs. Okafor", "this is Priya"), up to three words, the words after a pause only
  after a strong cue; and names spelled letter by letter ("W A R D", after "spell" or right
  after the word itself). It needs no word list beyond telling everyday English words apart.
- `NameContextRecognizer` marks the words of the segment itself by the word list and by where
  they stand, as below.

`NameContextRecognizer` decides by the word list (`lexicon`: is the word a given name or a
surname somewhere, and how common is it as an English word) and by where the word stands:

- after a cue that a name follows: "my name is", "this is", "speaking with", "you're through to",
  "ask for", a title ("Mrs.", "Dr."), a greeting or thanks ("Hi Anneke", "Thanks, Jiří");
- as the answer to a question for a name ("What's your last name?" … "Okonkwo.");
- two or three name words in a row ("bongani dlamini", "Anouk van der Berg") when one of them
  is no common English word;
- alone, when the word is a name and nearly never English ("Lindqvist"), or has letters beyond
  English ("Þórunn"): capitalized in written text, any case in text written all in lower case;
- in a list with a name found so ("Lindqvist, Brandt and Moreau", "Aiko, then Tomasz").

Common English words that are also names ("Will", "Grant", "Rose") are names only after a cue,
when capitalized beside another name, or when they answer a question for a name.

The analyzed text is the other party's recent lines, a newline, then the speaker's window (see
`engine`); cues are read across that boundary, names are found after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from warmtransfer.rag.redaction.lexicon import Lexicon
from warmtransfer.rag.redaction.recognizers import CueRecognizer, _before, _cue

__all__ = ["NameContextRecognizer", "NameCueRecognizer"]

# A word: letters, with apostrophes or hyphens inside ("O'Neil", "Ji-woo").
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_ASCII = re.compile(r"[A-Za-z'\u2019-]+")

# Zipf frequencies in English (see `lexicon`): above COMMON a word is ordinary English ("grant"
# 4.7, "rose" 4.8); below RARE a name is nearly never an English word ("moreau" 2.8, "brandt"
# 3.2 is not); names beside names may be fairly common ("maria" 4.3, "lopez" 4.0).
COMMON = 4.5
RARE = 3.0
VERY_COMMON = 5.5

# Words that follow a cue ("my name is", "this is") without being a name: "I'm calling",
# "this is billing".
_AFTER_CUE = frozenset(
    """calling just here happy glad sorry looking trying going having still not also the a an in
    on at from with your my our this that it speaking hoping interested wondering fine good
    great well ok okay yes no sure thanks thank customer support billing sales service account
    agent representative manager supervisor team department help new really so very i i'm im
    i've i'll i'd we've we'll we're you're you've he's she's they're
    and but or please um uh like about regarding""".split()  # noqa: SIM905
)
# With the words that follow a greeting or a cue of the word list's own without being a name.
_NOT_NAMES = _AFTER_CUE | frozenset(
    """yeah yep there everyone everybody all guys folks mate sir madam ma'am miss buddy friend
    love dear again much for you today now back then morning afternoon evening night bye
    goodbye hello hi hey welcome through ringing dad mom mum mother father husband wife son
    daughter brother sister tomorrow yesterday monday tuesday wednesday thursday friday
    saturday sunday january february march april may june july august september october
    november december iban swift bic pin cvv ssn dob zip email is was be""".split()  # noqa: SIM905
)
# Particles inside a name ("Anouk van der Berg", "Siobhán Ó Briain").
_PARTICLES = frozenset(
    "van der den de del della di da das dos du von le la ter ten ó ní mac bin bint al el".split()  # noqa: SIM905
)
# Everyday words with letters beyond English: not names.
_LOANWORDS = frozenset(
    """café cafés résumé naïve fiancé fiancée señor señora piñata jalapeño crème déjà über
    entrée protégé cliché façade touché soirée doppelgänger rosé vis-à-vis décor débris
    exposé attaché blasé habanero piña niño año""".split()  # noqa: SIM905
)

_NOT_WORDS = _NOT_NAMES | _LOANWORDS

# Each cue pattern opens with the letters its words can start with: a word starting otherwise
# is passed over at once instead of being tried against every cue (a test keeps them complete).
_STRONG_CUE = re.compile(
    r"\b(?=[abcdefghlmnpstu])(?:my name is|my name's|name is|name's|"
    r"(?:last|first|full|middle|sur|maiden) ?name(?: is|'s)?|"
    r"speaking with|speaking to|talking to|through to|put you through to|account holder is|"
    r"under the name(?: of)?|mr|mrs|ms|mx|dr|prof|miss|mister|missus|doctor|professor|"
    r"hi|hello|hey|dear|thanks|thank you|cheers|bye|goodbye|good (?:morning|afternoon|evening)|"
    r"morning|afternoon|evening|my (?:wife|husband|partner|son|daughter|mother|father|mom|mum|"
    r"dad|brother|sister|colleague|manager|boss|neighbou?r|friend|landlord|tenant))[.,!]?(?=\s)",
    re.IGNORECASE,
)
_WEAK_CUE = re.compile(
    r"\b(?=[acfhimnorstu])(?:this is|it's|it is|i'm|i am|ask for|asked for|spoke to|spoke with|"
    r"speak to|speak with|"
    r"talked to|talk to|called|named|under|"
    r"(?:set up|founded|signed|approved|opened|started|run|owned|managed|handled|sent) by)(?=\s)",
    re.IGNORECASE,
)
_NAME_QUESTION = re.compile(
    r"(?:(?:last|first|full|middle|sur|maiden|family|given) ?name|your name|"
    r"who (?:am i|i'm|do i have|have i got)|who's calling|who is calling|"
    r"may i (?:ask|have) who|name on the account|who (?:did you|you) (?:speak|talk)|"
    r"spell (?:that|it|your)|(?:should|can|shall|may) i call you|do you go by|"
    r"who (?:should|can) i ask for)[^\n]{0,60}$",
    re.IGNORECASE,
)
_ANSWER_LEAD = re.compile(
    r"\s*(?:(?:it's|it is|its|that's|that is|that'd be|yes|yeah|yep|sure|um|uh|er|oh|ok|okay|so|"
    r"just|well|right|my (?:last |first |sur|full )?name is|the last name is|first name|last name)"
    r"[\s,.!]+)*",
    re.IGNORECASE,
)
# How far before the window a cue (with the spaces and commas after it) or a question for a
# name (with the 60 characters it may end before the window) can start.
_CUE_REACH = 60
_QUESTION_REACH = 120
_CUE_GAP = re.compile(r"[\s,]+")
# What follows a name that opens a sentence ("Florencia from your team said ...").
_NAME_THEN = re.compile(
    r"\s+(?:from (?:your|the|our) (?:team|office|company|support|billing|store|shop|branch|bank)|"
    r"(?:said|told me|told us|promised|mentioned|called me|rang me|emailed me|explained))\b",
    re.IGNORECASE,
)
_PLACE_BEFORE = re.compile(r"\b(?:in|into|to|from|at|near|outside|around|via|through)\s+$", re.I)
_PLACE_UP_TO_TWO_WORDS_BEFORE = re.compile(
    r"\b(?:in|into|to|from|at|near|outside|around|via|through)\s+(?:[^\W\d_][\w'-]*\s+){0,2}$",
    re.IGNORECASE,
)
_LIST_JOIN = re.compile(r"(?:,\s*(?:(?:and|or|then)\s+)?|\s+(?:and|or|then|&)\s+)", re.IGNORECASE)


class NameContextRecognizer(CueRecognizer):
    ENTITIES = ("PERSON",)

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        super().__init__()
        self._lexicon = lexicon or Lexicon.shared()

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        start = text.rfind("\n") + 1
        window = text[start:]
        lower_case = not any(ch.isupper() for ch in window)
        words = [(m.start() + start, m.end() + start) for m in _WORD.finditer(window)]
        marked = [0.0] * len(words)

        def mark(i: int, score: float) -> None:
            marked[i] = max(marked[i], score)

        self._after_cues(text, start, words, lower_case, mark)
        self._answer(text, start, words, lower_case, mark)
        for i, (lo, hi) in enumerate(words):
            word = text[lo:hi]
            if self._alone(word, lo, text, lower_case):
                mark(i, 0.6)
            if i + 1 < len(words) and self._pair(text, words, i, lower_case):
                mark(i, 0.7)
                mark(i + 1, 0.7)
        self._before_cues(text, words, lower_case, mark)
        self._lists(text, words, lower_case, marked)
        self._surnames(text, words, lower_case, marked)
        yield from _spans(text, words, marked)

    # --- the rules ----------------------------------------------------------------------------

    def _after_cues(self, text, start, words, lower_case, mark) -> None:  # type: ignore[no-untyped-def]
        starts = {lo: i for i, (lo, _) in enumerate(words)}
        # A cue counts only right before a word of the window: none ends far before it.
        since = max(0, start - _CUE_REACH)
        for cue, strong in ((_STRONG_CUE, True), (_WEAK_CUE, False)):
            for m in cue.finditer(text, since):
                nxt = _CUE_GAP.match(text, m.end())
                i = starts.get(nxt.end() if nxt else m.end())
                if i is None:
                    continue
                taken = 0
                while i < len(words) and taken < 3:
                    lo, hi = words[i]
                    word = text[lo:hi]
                    if taken and text[words[i - 1][1] : lo] != " ":
                        break
                    if word.lower() in _PARTICLES and taken:
                        i += 1
                        continue
                    if not self._after_cue(word, strong, lower_case, first=not taken):
                        break
                    mark(i, 0.8 if strong else 0.65)
                    taken += 1
                    i += 1

    def _after_cue(self, word: str, strong: bool, lower_case: bool, first: bool) -> bool:
        low = word.lower()
        if low in _NOT_NAMES or low in _LOANWORDS or _acronym(word):
            return False
        entry = self._lexicon.word(word)
        capitalized = word[0].isupper()
        if not lower_case and not capitalized:
            return False  # written text capitalizes names
        beyond = not _ASCII.fullmatch(word)
        if strong:
            # A word English does not use at all, after "my name is" or "hi", is a name too.
            return (
                (entry.name and entry.zipf < VERY_COMMON)
                or beyond
                or entry.zipf == 0
                or (capitalized and entry.zipf < COMMON)
            )
        # A weak cue ("this is", "to", "by") is followed by names rarely: only a clear one, or
        # a word English does not use at all ("I spoke to Coriolano").
        return (
            (entry.name and entry.zipf < (COMMON if first else VERY_COMMON))
            or beyond
            or entry.zipf == 0
        )

    def _answer(self, text, start, words, lower_case, mark) -> None:  # type: ignore[no-untyped-def]
        """The first words of a reply to a question for a name."""
        if start == 0 or not _NAME_QUESTION.search(
            text[max(0, start - 1 - _QUESTION_REACH) : start - 1]
        ):
            return
        lead = _ANSWER_LEAD.match(text, start)
        pos = lead.end() if lead else start
        answer = [i for i, (lo, _) in enumerate(words) if lo >= pos]
        if not answer:
            return
        # The answer is the name when it is short ("Okonkwo.", "It's Okonkwo, O K ...").
        clause = re.split(r"[.,!?;]", text[pos:], maxsplit=1)[0]
        short = len(_WORD.findall(clause)) <= 3
        for i in answer[:3]:
            lo, hi = words[i]
            word = text[lo:hi]
            low = word.lower()
            if low in _NOT_NAMES or low in _LOANWORDS or hi > pos + len(clause):
                break
            entry = self._lexicon.word(word)
            if short or (entry.name and entry.zipf < VERY_COMMON) or not _ASCII.fullmatch(word):
                mark(i, 0.75)
            else:
                break

    def _alone(self, word: str, lo: int, text: str, lower_case: bool) -> bool:
        low = word.lower()
        if low in _NOT_NAMES or low in _LOANWORDS or len(word) < 3 or _acronym(word):
            return False
        entry = self._lexicon.word(word)
        if not _ASCII.fullmatch(word):
            if _PLACE_BEFORE.search(text[max(0, lo - 12) : lo]):
                return False  # "flew into Zürich", "the hotel in Málaga": a place
            return entry.zipf < RARE and (lower_case or word[0].isupper())
        if lower_case:
            return entry.name and entry.zipf < RARE - 0.5
        # Written: a capitalized name word inside a sentence.
        return word[0].isupper() and entry.name and entry.zipf < RARE and not _starts(text, lo)

    def _pair(self, text, words, i, lower_case) -> bool:  # type: ignore[no-untyped-def]
        (lo1, hi1), (lo2, hi2) = words[i], words[i + 1]
        if text[hi1:lo2] != " ":
            return False
        one, two = text[lo1:hi1], text[lo2:hi2]
        if not lower_case and not (one[0].isupper() and two[0].isupper()):
            return False
        if _acronym(one) or _acronym(two) or {one.lower(), two.lower()} & _NOT_WORDS:
            return False
        a, b = self._lexicon.word(one), self._lexicon.word(two)
        if not lower_case:
            # Capitalized: one name word that is not everyday English is enough.
            pair = (
                (a.name or b.name)
                and min(a.zipf, b.zipf) < COMMON
                and (a.zipf < VERY_COMMON and b.zipf < VERY_COMMON)
            )
        else:
            pair = (
                a.first
                and b.name
                and min(a.zipf, b.zipf) < RARE + 0.5
                and max(a.zipf, b.zipf) < VERY_COMMON
            )
        # "our office in São Paulo": a place.
        return pair and not _PLACE_BEFORE.search(text[max(0, lo1 - 12) : lo1])

    def _before_cues(self, text, words, lower_case, mark) -> None:  # type: ignore[no-untyped-def]
        """A name word right before what is said of a person ("Esko from your team", "Tadeusz
        said"), at the start of a sentence too."""
        for i, (lo, hi) in enumerate(words):
            word = text[lo:hi]
            if word.lower() in _NOT_WORDS or _acronym(word) or not _NAME_THEN.match(text, hi):
                continue
            if not (lower_case or word[0].isupper()):
                continue
            if _PLACE_UP_TO_TWO_WORDS_BEFORE.search(text[max(0, lo - 40) : lo]):
                continue  # "the branch in (New) Meganside told me": a place
            entry = self._lexicon.word(word)
            if (entry.name and entry.zipf < COMMON) or entry.zipf == 0:
                mark(i, 0.65)

    def _lists(self, text, words, lower_case, marked) -> None:  # type: ignore[no-untyped-def]
        """A name-like word joined to a found name by a comma, "and", "or" or "then"."""
        changed = any(marked)
        while changed:
            changed = False
            for i in range(len(words)):
                if marked[i]:
                    continue
                lo, hi = words[i]
                word = text[lo:hi]
                low = word.lower()
                if low in _NOT_NAMES or low in _LOANWORDS or _acronym(word):
                    continue
                entry = self._lexicon.word(word)
                if not (
                    (entry.name and entry.zipf < COMMON)
                    or (not lower_case and word[0].isupper() and entry.zipf < COMMON)
                    or not _ASCII.fullmatch(word)
                    or entry.zipf == 0  # no English word at all ("castellitto")
                ):
                    continue
                # The neighbour in the list, past a joining word ("Aiko, then Tomasz").
                joined = False
                for j in (i - 1, i - 2, i + 1, i + 2):
                    if not 0 <= j < len(words) or not marked[j]:
                        continue
                    lo_gap, hi_gap = (words[j][1], lo) if j < i else (hi, words[j][0])
                    if _LIST_JOIN.fullmatch(text[lo_gap:hi_gap] + " "):
                        joined = True
                if joined:
                    marked[i] = 0.6
                    changed = True

    def _surnames(self, text, words, lower_case, marked) -> None:  # type: ignore[no-untyped-def]
        """Up to two words right after a found name (past particles) that English does not use:
        its surname ("Giuseppe Gioberti", "gerrit van der velden")."""
        for i in range(len(words)):
            if not marked[i] or (i + 1 < len(words) and marked[i + 1]):
                continue
            j, taken = i + 1, 0
            while j < len(words) and taken < 2:
                gap = text[words[j - 1][1] : words[j][0]]
                word = text[words[j][0] : words[j][1]]
                if gap != " " or _acronym(word) or word.lower() in _NOT_WORDS:
                    break
                if word.lower() in _PARTICLES:
                    j += 1
                    continue
                if not (lower_case or word[0].isupper()) or self._lexicon.zipf(word) >= RARE:
                    break
                marked[j] = max(marked[j], 0.6)
                taken += 1
                j += 1


def _acronym(word: str) -> bool:
    """All capitals ("IBAN", "WAN"): an acronym, or a name spelled out (found elsewhere)."""
    return len(word) > 1 and word.isupper()


def _starts(text: str, pos: int) -> bool:
    """Whether `pos` starts a sentence, where every word is capitalized."""
    before = text[:pos].rstrip(" \t\"'(")
    return not before or before[-1] in ".!?\n"


def _spans(
    text: str, words: list[tuple[int, int]], marked: list[float]
) -> Iterator[tuple[str, int, int, float]]:
    """Runs of marked words joined by a space (particles between them included)."""
    i = 0
    while i < len(words):
        if not marked[i]:
            i += 1
            continue
        lo, hi = words[i]
        score = marked[i]
        j = i + 1
        while j < len(words) and text[words[j - 1][1] : words[j][0]] == " ":
            if marked[j]:
                hi, score = words[j][1], max(score, marked[j])
                j += 1
            elif (
                text[words[j][0] : words[j][1]].lower() in _PARTICLES
                and j + 1 < len(words)
                and marked[j + 1]
            ):
                j += 1
            else:
                break
        yield "PERSON", lo, hi, score
        i = j


# A letter, then letters (any alphabet), apostrophes or hyphens: "Jiří", "O'Neil".
_NAME_WORD = r"[^\W\d_](?:[^\W\d_]|['\u2019-])+"


class NameCueRecognizer(CueRecognizer):
    """Names after 'my name is', 'this is', 'Mr.', and names spelled letter by letter."""

    ENTITIES = ("PERSON",)
    # After "my name is", a name may go on past a pause ("My name is Dawn, Durham"); the word
    # after the comma must be capitalized, which "and", "I'm" or "thanks" (_AFTER_CUE) stop.
    _CUE = re.compile(
        r"\b(?=[adfilmnstu])(?:my name is|my name's|name is|name's|this is|i am|i'm|it's|"
        r"speaking with|"
        r"talking to|(?:last|first|full|middle) name(?: is|'s)?|surname(?: is)?|account holder is|"
        r"under the name(?: of)?|mr\.?|mrs\.?|ms\.?|miss|dr\.?)(?=\s)",
        re.IGNORECASE,
    )
    _NAME_AFTER = re.compile(rf"\s+({_NAME_WORD}(?:,?\s+{_NAME_WORD}){{0,2}})", re.IGNORECASE)
    _SPELLED = re.compile(r"\b[A-Z]{3,}\b")
    _SPELL_CUE = _cue(r"\b(spell\w*|name|surname|last|first|s as in|letters?)\b")

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        super().__init__()
        self._lexicon = lexicon or Lexicon.shared()

    def find(self, text: str) -> Iterator[tuple[str, int, int, float]]:
        for cue_match in self._CUE.finditer(text):
            match = self._NAME_AFTER.match(text, cue_match.end())
            if match is None:
                continue
            cue = cue_match.group().lower()
            strong = "name" in cue or cue.rstrip(".") in {"mr", "mrs", "ms", "miss", "dr"}
            # "your last name for me" is no name: without "is", a name must be capitalized.
            capitalized = not strong or cue.endswith("name")
            end = self._name_end(match, strong, capitalized, self._lexicon)
            if end is not None:
                yield "PERSON", match.start(1), end, 0.85 if strong else 0.6
        for match in self._SPELLED.finditer(text):
            before = _before(text, match.start())
            if self._SPELL_CUE.search(before[-60:]) or _spells_word_before(match.group(), before):
                yield "PERSON", match.start(), match.end(), 0.7

    @staticmethod
    def _name_end(
        match: re.Match[str], strong: bool, capitalized: bool, lexicon: Lexicon
    ) -> int | None:
        """Where the name after a cue ends: at the first word that is not part of a name. After
        a weak cue ("this is", "it's") every word must be capitalized, and none follow a comma.
        In lower case, an everyday English word ends it ("my name is james how can I help")."""
        end = None
        for word in re.finditer(r"(,?)\s*(" + _NAME_WORD + ")", match.group(1), re.IGNORECASE):
            name = word.group(2)
            after_pause = bool(word.group(1))
            lower = not name[0].isupper()
            if name.lower() in _AFTER_CUE or (lower and (after_pause or capitalized)):
                break
            if lower and lexicon.zipf(name) >= VERY_COMMON:
                break
            if after_pause and not strong:
                break
            end = match.start(1) + word.end(2)
        return end


def _spells_word_before(spelled: str, before: str) -> bool:
    """A word spelled out right after it was said ("Ward, W A R D"): spelling is for names."""
    return bool(re.search(rf"\b{spelled}\W*$", before[-40:], re.IGNORECASE))
