"""Text rules for the offline summarizer: clause splitting, cue patterns and rewording.

Everything here is a pure function of one utterance; `offline.py` keeps the rolling state.
Matching runs on a lowercased copy whose character offsets equal the original's, so the
original casing (and redaction tags such as `<ACCOUNT_ID>`) survive into the output.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

MAX_SENTENCES = 16
MAX_CLAUSE_WORDS = 50
MAX_ITEM_CHARS = 160
TAG = re.compile(r"<[A-Z][A-Z0-9_]{0,40}>")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP = _words(
    """a about after again all also am an and any anything are as at back be because been
    before being but by can can't could did didn't do does doesn't don't for from get got
    had has have haven't he her here him his how i i'd i'll i'm i've if in into is isn't it
    it's its just know like look make me more my no not now of off oh ok okay on one only or
    our out please really right said say see she should so some still sure than thank thanks
    that that's the their them then there there's these they they're this those to too up
    us very was wasn't we we're well were what when where which who why will with won't
    would yeah yes you you'll you're your um uh caller agent also again even going gonna
    want need let hi hello hey great fine good"""
)


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of an utterance: original text, its lowercase twin, whether it asks."""

    text: str
    low: str
    question: bool


# --- splitting and cleaning -------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\.{2,}\s*|\s+[-\u2013\u2014]+\s+")
_SUBJECT = (
    r"(?:(?:i|we|you|it|they|he|she)(?:'m|'ve|'d|'ll|'re|'s)?|there's|there|that's|that|this)"
)
_CLAUSE_BREAK = re.compile(
    rf",\s*(?:and |but |so |because |then )?(?=(?:also |even |just )?{_SUBJECT}(?![\w']))"
    rf"|\s+(?:and|but|so|because)\s+(?=(?:also |then |yes |yeah |even )?{_SUBJECT}(?![\w']))"
)
_CONTINUATION = re.compile(r"^(?:they|who) (?:can|will|could|should)\b|^they'll\b")
_LEADING_FILLER = re.compile(
    r"^(?:(?:um+|uh+|uhm|erm|er|ah|hmm+|so|well|yeah|yes|yep|yup|okay|ok|oh|hi|hey|hello|look|"
    r"listen|honestly|alright|all right|right|and|but|sure|no|also|just|basically|actually|"
    r"sort of|kind of|"
    r"anyway|now|then|great|perfect|good morning|good afternoon|good evening|thanks|"
    r"thank you|understood|absolutely|of course|got it)(?![\w'])[\s,.!:]*)+"
)
_INNER_FILLER = re.compile(
    r"(?<![\w'])(?:um+|uh+|uhm|erm|hmm+)(?![\w'])[,.]?\s*|,?\s*\byou know\b,?"
    r"|(?<=, )(?:yeah|yes|okay|ok|so|well)(?![\w'])[,.]?\s*"
)
_QUESTION_START = re.compile(
    r"(?:^|,\s*)(?:can|could|would|will|do|does|did|is|are|was|were|should|may|has|have|what|"
    r"what's|when|where|why|how|which|who|whose)(?![\w'])"
)
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9$][a-z0-9$.']*")
_CONFIRM_TAIL = re.compile(
    r"(?:,\s*|\s+)(?:is that|is this|am i)(?: still)? (?:right|correct)$|,\s*(?:right|correct)$"
)
_ANY_CASE_TAG = re.compile(r"<[a-z][a-z0-9_]{0,40}>")


def normalize(text: str) -> str:
    """Straighten quotes, squeeze spaces, and lowercase shouting (tags stay uppercase)."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    text = _SPACES.sub(" ", text.replace("\u201d", '"')).strip()
    bare = TAG.sub("", text)
    upper, lower = sum(map(str.isupper, bare)), sum(map(str.islower, bare))
    if upper >= 4 and upper > 3 * lower:
        text = _ANY_CASE_TAG.sub(lambda m: m.group(0).upper(), text.lower())
    if len(text.lower()) != len(text):  # exotic case folding: give up the original casing
        text = text.lower()
    return text


def clean(text: str) -> str:
    """Drop fillers and stray punctuation at the edges of a clause."""
    text = _INNER_FILLER.sub(" ", text)
    text = _SPACES.sub(" ", text).strip(" ,;:-")
    match = _LEADING_FILLER.match(text.lower())
    if match:
        text = text[match.end() :]
    text = text.strip(" ,;:-.!?\"'")
    return text[:-7].rstrip(" ,") if text.lower().endswith(" please") else text


def split_clauses(text: str) -> list[Clause]:
    """Split an utterance into cleaned clauses, breaking where a new subject starts."""
    out: list[Clause] = []
    for sentence in _SENTENCE_END.split(normalize(text))[:MAX_SENTENCES]:
        words = sentence.split()
        if not words:
            continue
        sentence = _CONFIRM_TAIL.sub("", " ".join(words[:MAX_CLAUSE_WORDS]).rstrip(" ?.!"))
        asks = sentence != " ".join(words[:MAX_CLAUSE_WORDS]).rstrip(" .!") and "?" in words[-1]
        parts = _split_at_subjects(sentence)
        for index, part in enumerate(parts):
            body = clean(part)
            if not body:
                continue
            low = body.lower()
            question = (asks and index == len(parts) - 1) or bool(_QUESTION_START.search(low))
            out.append(Clause(body, low, question))
    return out


def _split_at_subjects(sentence: str) -> list[str]:
    """Clauses of a sentence; a bare "i've checked" or a trailing "they can…" stays attached."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _CLAUSE_BREAK.finditer(sentence.lower()):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(sentence)))
    merged: list[tuple[int, int]] = []
    for begin, end in spans:
        part = sentence[begin:end].lstrip(" ,").lower()
        if merged and (_CONTINUATION.match(part) or _stub(sentence[slice(*merged[-1])])):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((begin, end))
    return [sentence[begin:end] for begin, end in merged]


def _stub(part: str) -> bool:
    """A subject and a verb with nothing after ("i've checked"): it belongs to what follows."""
    if part.count(" ") > 4:
        return False
    words = clean(part).lower().split()
    return len(words) <= 2 and bool(words) and bool(re.match(_SUBJECT + r"$", words[0]))


@functools.lru_cache(maxsize=2048)
def content_words(text: str) -> frozenset[str]:
    """Lowercase words that carry meaning (no stop words, no tags), cut to a 5-letter stem."""
    words = (w.strip(".'") for w in _WORD.findall(TAG.sub(" ", text).lower()))
    return frozenset(w[:5] for w in words if w not in STOP)


def overlap(a: str, b: str) -> float:
    """Share of the smaller content-word set that the other one also has."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


def similar(a: str, b: str, threshold: float = 0.6) -> bool:
    """Whether two items say the same thing: equal content words, or >= 2 shared and mostly."""
    wa, wb = content_words(a), content_words(b)
    shared = len(wa & wb)
    return bool(wa) and (wa == wb or (shared >= 2 and shared / min(len(wa), len(wb)) >= threshold))


def truncate(text: str, max_words: int, max_chars: int = MAX_ITEM_CHARS) -> str:
    """At most `max_words` words and `max_chars`, not ending on a dangling "in the"."""
    words = text[:max_chars].split()
    if len(words) <= max_words and len(text) <= max_chars:
        return text
    words = words[:max_words]
    while len(words) > 1 and words[-1].lower().strip(",;:") in STOP:
        words.pop()
    return " ".join(words).rstrip(",;:")


def sentence_case(text: str) -> str:
    text = text.strip(" ,;:")
    return text[:1].upper() + text[1:] if text else text


# --- first person to third person -------------------------------------------------------------

_CALLER_PRONOUNS = {
    "i am": "they are", "i was": "they were", "i wasn't": "they weren't", "i'm": "they're",
    "i've": "they've", "i'll": "they'll", "i'd": "they'd", "i": "they", "me": "them",
    "my": "their", "mine": "theirs", "myself": "themselves",
}  # fmt: skip
_AGENT_PRONOUNS = {
    "i am": "the agent is", "i'm": "the agent is", "i have": "the agent has",
    "i've": "the agent has", "i will": "the agent will", "i'll": "the agent will",
    "i'd": "the agent would", "i": "the agent", "me": "the agent", "my": "the agent's",
    "you are": "they are", "you're": "they're", "you've": "they've", "you'll": "they'll",
    "you'd": "they'd", "your": "their", "yours": "theirs", "yourself": "themselves",
    "you guys": "they", "transfer you": "transfer the caller",
    "connect you": "connect the caller", "you": "them",
}  # fmt: skip
_SUBJECT_SLOT = re.compile(r"(?:^|[,;]|\b(?:and|but|so|if|when|then|that|because|until))\s*$")


def _pronoun_pattern(table: dict[str, str]) -> re.Pattern[str]:
    keys = sorted(table, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w'])", re.I)


_CALLER_RE = _pronoun_pattern(_CALLER_PRONOUNS)
_AGENT_RE = _pronoun_pattern(_AGENT_PRONOUNS)


def third_person(text: str, *, agent: bool) -> str:
    """Reword a caller's or an agent's first-person clause about the caller in third person."""
    table, pattern = (_AGENT_PRONOUNS, _AGENT_RE) if agent else (_CALLER_PRONOUNS, _CALLER_RE)

    def swap(match: re.Match[str]) -> str:
        word = match.group(1).lower()
        if word == "you" and _SUBJECT_SLOT.search(text[: match.start()].lower()):
            return "they"
        return table[word]

    return pattern.sub(swap, text)


# --- pattern helpers --------------------------------------------------------------------------


def span_text(match: re.Match[str], clause: Clause, group: int | str = 1) -> str:
    """The original-case text of a match group, cleaned."""
    return clean(clause.text[match.start(group) : match.end(group)])


def tag_label(tag: str) -> str:
    """`<ACCOUNT_ID>` -> "account number"."""
    words = [
        "number" if w in {"id", "num", "no"} else w for w in tag.strip("<>").lower().split("_")
    ]
    return " ".join(w for i, w in enumerate(words) if i == 0 or w != words[i - 1])


def spoken_tag(tag: str) -> str:
    label = tag_label(tag)
    return ("an " if label[:1] in "aeiou" else "a ") + label


# --- the caller's reason for calling ----------------------------------------------------------

_CALLING = re.compile(
    r"\b(?:i'm|i am|im|we're|we are) calling (?:you )?(?P<how>about|regarding|because of|because|"
    r"since|as|for|to|in regards to|in reference to)\s+(?P<why>.+)$"
    r"|\bthe reason (?:i'm|i am) calling is (?:that |because )?(?P<clause>.+)$"
)
_WISH = re.compile(
    r"\b(?:i'd|i would|we'd|we would) like (?:to|a|an|my|our|the|some) .+$"
    r"|\b(?:i|we) (?:\w+ )?(?:want|wanted|need|needed) "
    r"(?:to|help with|some help with) .+$"
    r"|\b(?:i|we)(?: also)? (?:have|had|'ve got|got) (?:a|an|some) (?:question|problem|issue|"
    r"concern|complaint)s? (?:about|with|regarding|on) .+$"
)
_PROBLEM = re.compile(
    r"\b(?:charged|overcharged|billed|double|duplicate|refund|cancel|haven't (?:received|gotten)|"
    r"have not (?:received|gotten)|never (?:arrived|came|received|got)|didn't (?:arrive|get|"
    r"receive)|don't recognize|do not recognize|not working|isn't working|doesn't work|won't|"
    r"keeps|kept|stopped|broken|broke|can't|cannot|locked out|is down|went down|outage|fraud|"
    r"stolen|lost|missing|damaged|wrong|error|moving|dispute|dropping|disconnected|late fee)\b"
)
_FIRST_PERSON_OR_THING = re.compile(r"\b(?:i|i've|i'm|we|my|our|there's|there is|there are)\b")
_VAGUE = re.compile(
    r"^(?:(?:my|our|the|an?) )?(?:account|bill|problem|issue|question|something|order|service)$"
)
_KIND = {"to": "to", "because": "because", "since": "because", "as": "because"}
_PRONOUN_ONLY = _words("it this that them")


def reason_of(clause: Clause) -> tuple[str, str, float] | None:
    """(kind, clause text in third person, strength) if the caller states why they call.

    kind is "about" (a noun phrase), "to" (a verb phrase) or "because" (a full clause).
    """
    low = clause.low
    calling = _CALLING.search(low)
    if calling and calling.group("how"):
        text, kind = span_text(calling, clause, "why"), _KIND.get(calling.group("how"), "about")
        strength = 3.0
    elif calling:
        text, kind, strength = span_text(calling, clause, "clause"), "because", 3.0
    elif _WISH.search(low):
        text, kind, strength = clause.text, "because", 2.2
    elif _PROBLEM.search(low) and _FIRST_PERSON_OR_THING.search(low):
        text, kind, strength = clause.text, "because", 2.0
    else:
        return None
    words = content_words(text)
    if not words or (text.lower().split(" ", 1)[0] in _PRONOUN_ONLY and len(words) < 2):
        return None  # "i'm calling about it again"
    if _VAGUE.match(text.lower()) or len(words) < 2:
        strength -= 1.5
    if clause.question:
        strength -= 0.5
    return kind, third_person(truncate(text, 24), agent=False), strength


# --- facts about the caller -------------------------------------------------------------------

_NUMBER_WORD = (
    r"(?:\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|sixty|hundred|couple of|few|several)"
)
_MONEY = re.compile(
    r"\$\s?\d|\b\d+\.\d{2}\b|\b"
    + _NUMBER_WORD
    + r"(?: \w+)? (?:dollars?|bucks|cents|euros?|pounds)\b"
)
_QUANTITY = re.compile(
    r"\b" + _NUMBER_WORD + r" (?:mg|milligrams?|ml|gb|mbps|gigs?|seconds?|minutes?|hours?|days?|"
    r"weeks?|months?|years?|times|pills?|tablets?|doses?|items?|boxes?|packages?|lines?|"
    r"devices?|people|kids|screens?|users?|payments?|charges?|calls?)\b"
)
_DATE = re.compile(
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:january|february|march|april|june|"
    r"july|august|september|october|november|december|yesterday|today|tonight|tomorrow|"
    r"weekend)\b|\b(?:19|20)\d\d\b|\bmay \d|\bin may\b"
    r"|\b(?:last|next|this|past) (?:week|month|year|night|time)\b|\b\d{1,2}(?:st|nd|rd|th)\b"
    r"|\b\d{1,2}:\d{2}\b|\b\d{1,2} ?(?:am|pm)\b|\b\d{1,2}/\d{1,2}\b"
)
_HISTORY = re.compile(
    r"\b(?:first|second|third|fourth|fifth|\d+(?:st|nd|rd|th)|another) time\b|\b(?:again|since|"
    r"every|still|already|anymore|ago|went up|keeps)\b"
)
_THING = re.compile(
    r"\b(?:plan|subscription|package|router|modem|card|phone|account|order|bill|invoice|device|"
    r"laptop|computer|tv|app|service|prescription|medication|appointment|policy|charger|cable|"
    r"membership|contract|warranty|loan|pharmacy|rental|delivery|shipment|tracking|price|fee|"
    r"payment|statement|meter|car|insurance|claim)s?\b"
)
_MODEL = re.compile(r"\b(?=[a-z]*\d)(?=\d*[a-z])(?!\d+(?:st|nd|rd|th|am|pm|s)\b)[a-z0-9]{2,10}\b")
_STATUS = re.compile(
    r"\b(?:expired|declined|cancell?ed|suspended|overdue|locked|damaged|broken|missing|stolen|"
    r"lost|wrong|late|delayed|denied|rejected|closed|frozen|disconnected|defective|never)\b"
)
_CIRCUMSTANCE = re.compile(
    r"\b(?:work(?:ing)? from home|trip|travel\w*|vacation|gift|birthday|wedding|funeral|deadline|"
    r"urgent|emergency|elderly|disabled|pregnant|surgery|hospital|new place|keys|lease|hurt|"
    r"injur\w*|pain|sick)\b"
)
_FEATURES: tuple[tuple[re.Pattern[str], float], ...] = (
    (_MONEY, 3.0),
    (_QUANTITY, 2.0),
    (_DATE, 2.0),
    (_CIRCUMSTANCE, 2.0),
    (_HISTORY, 1.5),
    (_MODEL, 1.5),
    (_STATUS, 1.5),
    (_THING, 1.0),
    (_PROBLEM, 1.0),
    (re.compile(r"\d"), 1.0),
)


_GREETING = re.compile(
    r"\b(?:thanks? (?:you )?for (?:calling|holding|waiting)|how (?:can|may) i help|"
    r"what can i do for you|my name(?:'s| is)|this is|speaking|you're through to)\b"
)


def is_greeting(clause: Clause) -> bool:
    """The agent's opening line ("thanks for calling ..., this is dana, how can i help")."""
    return bool(_GREETING.search(clause.low))


def carries_figures(clause: Clause) -> bool:
    """An amount, a date, a time or a count: what a colleague must not lose, whatever the call."""
    low = clause.low
    return not clause.question and bool(
        _MONEY.search(low) or _DATE.search(low) or _QUANTITY.search(low) or _DIGIT_ANY.search(low)
    )


_DIGIT_ANY = re.compile(r"\d")


_EXPLAINS = re.compile(
    r"\b(?:because|due to|as a result|which is why|that's why|the reason|was (?:denied|declined|"
    r"rejected|refused|blocked|graded|flagged|marked) (?:as|because|for|by)|noted)\b"
)


def explains(clause: Clause) -> bool:
    """Why something happened to the caller's case ("it was denied because the technician noted
    rust"): what a colleague needs to take the case on, whatever the call."""
    return not clause.question and bool(_EXPLAINS.search(clause.low))


def fact_score(clause: Clause, *, answers_question: bool) -> float:
    """How much a clause tells a colleague about the caller's case (0 = nothing)."""
    words = len(content_words(clause.text))
    if words == 0:
        return 0.0
    score = -0.5 if words == 1 else 0.0
    score += sum(weight for pattern, weight in _FEATURES if pattern.search(clause.low))
    if TAG.search(clause.text):
        score += 1.0
    if answers_question:
        score += 1.0
    if len(clause.text.split()) > 20:
        score -= 1.0
    return score


_TRIED = re.compile(
    r"^(?:i|we)(?:'ve| have)?(?: already| also| even| just| then)? ((?:tried|restarted|rebooted|"
    r"unplugged|plugged|reset|reinstalled|uninstalled|updated|cleared|checked|called|swapped|"
    r"replaced|turned|power cycled|emailed|contacted|asked|followed|waited|changed|logged|"
    r"looked|went|tested|reported|returned|been (?:trying|waiting))\b.*)$"
)


def tried_of(clause: Clause) -> str | None:
    """What the caller already tried ("restarted the router"), in third person."""
    match = _TRIED.match(clause.low)
    if not match or clause.question:
        return None
    return third_person(truncate(span_text(match, clause), 14), agent=False)


_NAME_CUE = re.compile(
    r"\b(?:my name is|my name's|name is|the name is|this is|i'm|i am|it's|its)\s+"
)
_NAME_WORD = re.compile(r"[a-z][a-z'-]*$")
_NOT_NAMES = STOP | _words(
    """calling speaking here ridiculous frustrating unacceptable terrible really sorry correct
    trying moving looking regarding kind wondering having happy upset angry frustrated"""
)


def name_of(clause: Clause, *, asked: bool, early: bool) -> str | None:
    """The caller's name: "my name is …", an early "this is …", or the answer to "your name?"."""
    low = clause.low
    cue = _NAME_CUE.search(low)
    explicit = cue is not None and cue.group(0).startswith(("my name", "name is", "the name"))
    if explicit and cue is not None:
        start = cue.end()
    elif asked or (early and low.startswith("this is ")):
        start = cue.end() if cue is not None and cue.start() == 0 else 0
    else:
        return None
    tag = TAG.match(clause.text[start:])
    if tag:
        return tag.group(0)
    words: list[str] = []
    for raw in low[start:].split()[:4]:
        word = raw.rstrip(",.")
        if not _NAME_WORD.match(word) or word in _NOT_NAMES or not 2 <= len(word) <= 20:
            break
        words.append(word)
        if raw != word:
            break
    return " ".join(w.capitalize() for w in words) if 1 <= len(words) <= 3 else None


_NAME_ASK = re.compile(
    r"\b(?:your|the|patient's|caller's|account holder's) (?:full )?name\b|who am i speaking"
    r"|who's calling|who is calling|who do i have"
)
_NUMBER_ASK = re.compile(
    r"\b(account|order|phone|ticket|reference|confirmation|case|claim|policy|member|card|"
    r"tracking|zip|routing|invoice) (?:number|no|id|code)\b"
)
_DIGITS = re.compile(r"\b\d[\d -]{2,24}\d\b")


def requested(clause: Clause) -> list[str]:
    """What the agent asks the caller for: "name" and/or labels such as "account number"."""
    asked = ["name"] if _NAME_ASK.search(clause.low) else []
    return asked + [f"{m.group(1)} number" for m in _NUMBER_ASK.finditer(clause.low)]


_LABELLED_ID = re.compile(
    r"\b(account|order|ticket|reference|confirmation|case|claim|policy|member|invoice|tracking)"
    r"(?: number| no| id| #)?(?: is)?:? #?([a-z]{0,3}\d[a-z0-9-]{2,24})\b"
)


def identifiers_of(clause: Clause, asked: list[str]) -> list[tuple[str, str]]:
    """(label, value) pairs: redaction tags as they are, labelled numbers said in clear, or
    bare digits given right after the agent asked for a number."""
    found = [(tag_label(t), t) for t in TAG.findall(clause.text)]
    for match in _LABELLED_ID.finditer(clause.low):
        found.append((f"{match.group(1)} number", clause.text[match.start(2) : match.end(2)]))
    labels = [label for label in asked if label != "name"]
    digits = _DIGITS.search(clause.low)
    if not found and labels and digits and sum(c.isdigit() for c in digits.group(0)) >= 5:
        found.append((labels[0], digits.group(0)))
    return found


_NEED = re.compile(
    r"^(?:i|we)(?P<adverb>(?: still| really| just| also| do)*) (?P<verb>need|want|would like)\b"
    r"|^(?:i'd|we'd)(?: really| also)* (?P<like>like)\b|^please (?P<ask>make sure|have|note|send)\b"
)
_NEED_VERB = {"need": "needs", "want": "wants", "would like": "would like", "like": "would like"}


def need_of(clause: Clause) -> str | None:
    """Something the caller still needs ("i need it by the weekend"), as an open item."""
    match = _NEED.match(clause.low)
    if not match or clause.question:
        return None
    if match.group("ask"):
        verb = "asks to " + match.group("ask")
    else:
        adverb = (match.group("adverb") or "").replace(" do", "").strip()
        verb = f"{adverb} {_NEED_VERB[match.group('verb') or match.group('like')]}".strip()
    tail = third_person(clause.text[match.end() :], agent=False).strip()
    return truncate(f"The caller {verb} {tail}", 22) if content_words(tail) else None


_REQUEST = re.compile(
    r"^(?:so |and |but |also |um |uh )*(?:can|could|would|will) you(?: please| also| just)* "
    r"(?!hold\b|repeat\b|hear\b|say\b|see\b|spell\b)(?P<ask>\w+\b.*)$"
    r"|^(?:so |and |but |also )*(?:is there (?:any )?way|is it possible)"
    r"(?: to| for you to| you can)? (?P<way>\w+\b.*)$"
)


def request_of(clause: Clause) -> str | None:
    """What the caller asks the agent to do ("can you waive the late fee?"), as an open item."""
    match = _REQUEST.match(clause.low)
    if not match or not clause.question:
        return None
    start = match.start("ask") if match.group("ask") else match.start("way")
    tail = third_person(clause.text[start:].rstrip("?. "), agent=False).strip()
    return truncate(f"The caller asks to {tail}", 20) if len(content_words(tail)) >= 1 else None


# --- what the agent did and promised ----------------------------------------------------------

_PROMISE = re.compile(
    r"\b(i|we)(?:'ll| will|'m going to| am going to|'m gonna|'re going to| are going to)"
    r"(?: also| just| now| then| go ahead and| personally)* (?!not\b|be right\b)(.+)$"
)
_TRIVIAL_PROMISE = re.compile(
    r"^(?:check|look|see|pull|put (?:you|them) on hold|connect (?:you|them)|be (?:right )?back|"
    r"get that|let (?:her|him|them|you) know|have a look|grab|confirm|verify|read|repeat|need|"
    r"be with you|stay on)\b"
)
_PARTY_PROMISE = re.compile(
    r"^(?:(?:a|an|the|our|your|my) (?:[a-z'-]+ ){0,3}?[a-z'-]+|someone|somebody) (?:will|'ll|"
    r"should|is going to) (?!not\b).+$|^(?:a|an|the|our|your|my) (?:[a-z]+ ){0,3}?(?:team|"
    r"department|specialist|supervisor|manager|nurse|doctor|technician|line|desk) can .+$"
)
_CALLER_OPEN_ITEM = re.compile(
    r"^(?:you (?:can|could|need to|have to|must|should)|you'll need to|you will need to|please)"
    r" (?!hold\b|stay\b|bear\b|wait\b)(\w+\b.*)$"
)
_CALLER_WILL = re.compile(
    r"^(?:you'll|you will|you're going to|you should)(?: also)? (get|receive|see|hear|be "
    r"(?:contacted|getting|receiving|called|refunded|credited|notified|emailed|sent))\b(.*)$"
)
_TRAILER = re.compile(r"(?:\s+(?:now|right now|for you|here|real quick))+$")


# Something still pending, said as a state of affairs: "the third one needs a supervisor's
# approval", "refunds over 1,000 dollars require finance approval", "it usually takes five to
# seven business days".
_PENDING = re.compile(
    r"\b(?:needs?|requires?|has to (?:get|have)|must (?:get|have))(?: an?| the)? "
    r"(?:[a-z']+ ){0,2}(?:approval|sign[- ]off|review|authori[sz]ation|verification)\b"
    r"|\b(?:usually|normally|typically|should|will|it'll|it will|can) (?:take|takes|be) "
    r"(?:about |around |up to )?" + _NUMBER_WORD + r"(?: to " + _NUMBER_WORD + r")?"
    r"(?: business| working)? (?:days?|weeks?|hours?|months?)\b"
    r"|^(?:usually|normally|typically) " + _NUMBER_WORD + r"(?: to " + _NUMBER_WORD + r")?"
    r"(?: business| working)? (?:days?|weeks?|hours?)\b"
)


def pending_of(clause: Clause) -> str | None:
    """What the agent says is still pending (an approval, a wait), as an open item."""
    if clause.question or not _PENDING.search(clause.low):
        return None
    return truncate(sentence_case(third_person(clause.text, agent=True)), 20)


def commitment_of(clause: Clause) -> str | None:
    """An open item the agent (or a named party) commits to, in third person."""
    low = clause.low
    caller_will = _CALLER_WILL.match(low)
    if caller_will:
        tail = clause.text[caller_will.start(1) :]
        return truncate("The caller will " + third_person(tail, agent=True), 24)
    if _PARTY_PROMISE.match(low):
        return truncate(sentence_case(third_person(clause.text, agent=True)), 24)
    todo = _CALLER_OPEN_ITEM.match(low)
    if todo and (not low.startswith("you c") or len(content_words(todo.group(1))) >= 3):
        verb = "can" if low.startswith(("you can", "you could")) else "needs to"
        return truncate(
            f"The caller {verb} " + third_person(span_text(todo, clause), agent=True), 24
        )
    promise = _PROMISE.search(low)
    if not promise or _TRIVIAL_PROMISE.match(promise.group(2)):
        return None
    subject = "The agent will" if promise.group(1) == "i" else "We will"
    body = third_person(_TRAILER.sub("", span_text(promise, clause, 2)), agent=True)
    return truncate(f"{subject} {body}", 24) if content_words(body) else None


_AGENT_FACT = re.compile(
    r"^(?:(?:i|we) (?:can |do )?(?:see|show)(?: here)?(?: that)?,? |it (?:shows|says) (?:that )?)?"
    r"((?:you're|you are|you have|you've got|you'll have|you will have|you will not|you won't|"
    r"your [a-z]+(?: [a-z]+)? (?:is|was|are|shows|ends))\b.*)$"
)


def agent_fact_of(clause: Clause) -> str | None:
    """A detail the agent reads back about the caller ("you're on the gigabit plan")."""
    match = _AGENT_FACT.match(clause.low)
    if match:
        text = span_text(match, clause)
    elif " on file" in clause.low and not clause.question:
        text = clause.text
    else:
        return None
    return third_person(truncate(text, 18), agent=True)


_PARTICIPLE = (
    r"(?:\w+ed|sent|made|set|put|found|run|given|taken|spoken|told|done|written|reset|paid|"
    r"built|sold|shut|cut|left|brought|bought|held|kept|seen|gone ahead and \w+)"
)
_PAST = (
    r"(?:\w+ed|sent|made|set|put|found|ran|gave|took|spoke|told|did|wrote|reset|paid|sold|shut|"
    r"cut|brought|bought|held|kept|went ahead and \w+)"
)
_NOT_DEEDS = _words("need used supposed missed wondered guessed hoped wanted proceed exceed indeed")
_PROGRESSIVE = {
    "checking": "checked", "running": "ran", "looking at": "looked at", "reviewing": "reviewed",
    "pulling up": "pulled up", "processing": "processed", "updating": "updated",
    "sending": "sent", "resetting": "reset", "escalating": "escalated", "submitting": "submitted",
    "issuing": "issued", "adding": "added", "cancelling": "cancelled", "canceling": "canceled",
    "scheduling": "scheduled", "opening": "opened", "filing": "filed", "refunding": "refunded",
    "crediting": "credited", "applying": "applied", "removing": "removed", "waiving": "waived",
    "reversing": "reversed", "blocking": "blocked", "booking": "booked", "changing": "changed",
    "testing": "tested",
}  # fmt: skip
_SEE_NONE = re.compile(r"\b(?:i|we) (?:don't|do not|can't|cannot) see (.+)$|\bi'm not seeing (.+)$")
_SEE = re.compile(
    r"\b(?:i|we) (?:can |do |could )?(?:see|confirm|notice)(?: that)?\b,?\s*(.+)$"
    r"|\bi'm (?:seeing|showing)\b (.+)$"
)
_LOOKS = re.compile(r"\b(?:it|that|this) (?:looks|sounds|seems|appears) like\s+(.+)$")
_HAVE_DONE = re.compile(
    rf"\b(?:i|we)(?:'ve| have)(?: just| now| already| also| actually)? ({_PARTICIPLE}\b.*)$"
)
_DID = re.compile(
    rf"(?:^|\b(?:and|so|then) )(?:i|we) (?:just |also |already |then |actually )?({_PAST}\b.*)$"
)
_DOING = re.compile(
    rf"\b(?:i'm|i am|we're|we are) (?:just |now |currently )?((?:{'|'.join(_PROGRESSIVE)})\b.*)$"
)
_DEED_PATTERNS = (
    (_SEE_NONE, "found no"),
    (_SEE, "found"),
    (_LOOKS, "found that"),
    (_HAVE_DONE, ""),
    (_DID, ""),
    (_DOING, "progressive"),
)
_KEY_DEEDS = re.compile(
    r"\b(?:refund|credit|escalat|cancel|dispute|block|reset|schedul|ticket|claim|submit|issu|"
    r"process|open|filed|sent|moved|set up|waiv|replac|reship|updat|book|turned off|disconnect)"
)


def _negate(text: str) -> str:
    """ "anything else unusual" -> "nothing else unusual"."""
    for old, new in (("anything", "nothing"), ("anyone", "no one"), ("any ", "no ")):
        if text.lower().startswith(old):
            return new + text[len(old) :]
    return "no " + text


def action_of(clause: Clause) -> tuple[str, float] | None:
    """(what the agent did, as a past-tense verb phrase in third person, importance)."""
    for pattern, mode in _DEED_PATTERNS:
        match = pattern.search(clause.low)
        if not match:
            continue
        group = 1 if match.group(1) is not None else 2
        text = _TRAILER.sub("", span_text(match, clause, group))
        first = text.split(" ", 1)[0].lower() if text else ""
        if mode == "" and (first in _NOT_DEEDS or not text):
            return None
        if mode == "progressive":
            verb = next(v for v in _PROGRESSIVE if text.lower().startswith(v))
            text, mode = _PROGRESSIVE[verb] + text[len(verb) :], ""
        text = re.sub(r"^(?:gone|went) ahead and ", "", text)
        if mode == "found no":
            mode, text = "found", _negate(text)
        if len(content_words(text)) < 2:
            return None
        phrase = third_person(truncate(f"{mode} {text}".strip(), 18), agent=True)
        score = (
            1.0 + 2.0 * bool(_KEY_DEEDS.search(phrase.lower())) + bool(re.search(r"\d|<", phrase))
        )
        return phrase, score - 0.5 * (mode != "")
    return None


# --- the caller's mood ------------------------------------------------------------------------

_NEGATIVE = (
    (r"frustrat\w*", 2.0), (r"angry", 2.0), (r"furious", 2.0), (r"ridiculous", 2.0),
    (r"unacceptable", 2.0), (r"upset", 2.0), (r"terrible", 2.0), (r"awful", 2.0),
    (r"horrible", 2.0), (r"worst", 2.0), (r"fed up", 2.0), (r"sick of", 2.0),
    (r"(?:third|fourth|fifth|\d+th) time", 1.5), (r"second time", 1.0), (r"annoy\w*", 1.5),
    (r"disappoint\w*", 1.5), (r"unbelievable", 1.5), (r"not happy", 1.5), (r"tired of", 1.5),
    (r"nobody (?:ever )?(?:came|called|helped|told|showed)", 1.0),
    (r"(?:not going to|won't) work", 1.0),
    (r"no way", 1.0), (r"can't believe", 1.5), (r"ugh", 1.0), (r"not fair", 1.5),
    (r"stressful", 1.0),
    (r"too late", 1.0), (r"worried", 1.0), (r"waste of", 1.0), (r"joke", 1.0),
    (r"kidding me", 1.0), (r"unbearable", 1.5), (r"miserable", 1.5),
    (r"(?:i|we) (?:was|were) promised", 1.0), (r"(?:i|we) really can't", 1.0),
    (r"can't afford", 1.0), (r"nobody (?:ever )?(?:warned|mentioned)", 1.0),
    (r"still (?:broken|not working)", 1.0),
)  # fmt: skip
_POSITIVE = (
    (r"thank you so much", 1.0), (r"thanks", 0.5), (r"thank you", 0.5), (r"great", 1.0),
    (r"perfect", 1.0), (r"appreciate\w*", 1.5), (r"awesome", 1.0), (r"wonderful", 1.0),
    (r"excellent", 1.0), (r"sounds good", 1.0), (r"helpful", 1.0), (r"amazing", 1.0),
    (r"that works", 1.0), (r"yes please", 0.5),
    (r"that helps", 1.0), (r"glad", 1.0), (r"relieved", 1.0), (r"(?:a|such a) relief", 1.5),
    (r"(?:very|so|really) kind", 1.5), (r"(?:very|so) patient", 1.0), (r"lifesaver", 1.5),
    (r"you've been (?:great|brilliant|lovely|patient)", 1.0),
)  # fmt: skip


_Lexicon = tuple[tuple[str, re.Pattern[str], float], ...]


def _lexicon(entries: tuple[tuple[str, float], ...], prefix: str = "") -> _Lexicon:
    """Each entry with a literal anchor (checked first, cheaply) and its compiled pattern."""
    compiled = []
    for word, weight in entries:
        anchor = re.findall(r"[a-z']{3,}", re.sub(r"\(\?:[^)]*\)", " ", word))[0]
        compiled.append((anchor, re.compile(rf"{prefix}\b{word}\b"), weight))
    return tuple(compiled)


_NEGATIVE_RE = _lexicon(_NEGATIVE)
_POSITIVE_RE = _lexicon(_POSITIVE, prefix="(?<!no )")


def _weigh(lexicon: _Lexicon, text: str) -> float:
    return sum(
        weight for anchor, pattern, weight in lexicon if anchor in text and pattern.search(text)
    )


def mood_of(text: str) -> tuple[float, float]:
    """(negative, positive) weight of one caller utterance; each word counts once."""
    low = text.lower().replace("\u2019", "'")
    return _weigh(_NEGATIVE_RE, low), _weigh(_POSITIVE_RE, low)
