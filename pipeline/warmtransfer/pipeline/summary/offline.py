"""The offline summarizer: a rule-based rolling summary that needs no model and no network.

Method. Each new segment is split into clauses (breaking where a new subject starts, with
fillers such as "um" or "so" dropped), and each clause goes through cue patterns that depend
on who spoke (`offline_rules`):

* caller clauses give the *reason* ("i'm calling because…", "i'd like to cancel…", a stated
  problem such as "my internet keeps dropping"), the caller's *name*, *identifiers* (redaction
  tags such as `<ACCOUNT_ID>` are kept as they are), *facts* scored by what they carry (amounts,
  dates, quantities, devices and plans, how long or how often, what was already tried, the
  caller's circumstances), *needs* ("i need it by the weekend") and unanswered *questions*;
* agent clauses give *actions* (present-perfect or past first-person deeds, "i can see…",
  "it looks like…"), *commitments* ("i'll…", "a technician will…", "you'll receive…") and
  details the agent reads back about the caller ("you're on the gigabit plan");
* the caller's *sentiment* is a lexicon score that decays with every caller turn, negative
  words more slowly than polite ones, so recent words weigh most but anger is not forgotten.

Candidates are deduplicated by content-word overlap and kept in capped, scored lists in the
summary's `state` (JSON), so an update reads only the previous summary and the new segments and
its cost does not grow with the call. The reason is replaced only by a clearly stronger
statement (an explicit "i'm calling about…" beats a vague one; later turns are discounted).
An agent action that matches an open item closes it; a caller question stays open until the
agent speaks. The briefing is assembled from the fields, terse, into at most 80 spoken words.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from warmtransfer.pipeline.summary import offline_rules as rules
from warmtransfer.pipeline.summary.model import (
    BRIEFING_MAX_WORDS,
    Role,
    Segment,
    Sentiment,
    Summary,
    Urgency,
)

__all__ = ["OfflineSummarizer"]

MAX_FACTS, MAX_ACTIONS, MAX_NEXT_STEPS = 8, 6, 5
KEPT_FACTS, KEPT_ACTIONS, KEPT_NEXT_STEPS, KEPT_IDS = 12, 9, 6, 6  # bounds the state
BRIEFING_ITEM_WORDS = 14
FACT_THRESHOLD = 2.0
STATE_VERSION = 1
_NEG_DECAY, _POS_DECAY = 0.9, 0.8  # per caller turn: anger fades more slowly than politeness
_NEGATIVE_AT, _POSITIVE_AT = 1.2, 1.0
_TURN_DISCOUNT = 0.4
_MOOD_WORDS = {
    Sentiment.NEGATIVE: "Caller frustrated.",
    Sentiment.POSITIVE: "Caller satisfied.",
    Sentiment.NEUTRAL: "Caller calm.",
}


class Item(NamedTuple):
    """One remembered fact, action or open item."""

    text: str
    score: float
    seq: int


@dataclass
class _State:
    """What the summarizer remembers between updates (serialized into `Summary.state`)."""

    turns: int = 0
    asked: bool = False
    asked_for: list[str] = field(default_factory=list)
    reason: str = ""
    reason_kind: str = ""
    reason_score: float = 0.0
    name: str = ""
    ids: list[tuple[str, str]] = field(default_factory=list)
    ids_seq: int = 0
    facts: list[Item] = field(default_factory=list)
    actions: list[Item] = field(default_factory=list)
    next_steps: list[Item] = field(default_factory=list)
    question: Item | None = None
    neg: float = 0.0
    pos: float = 0.0
    spoke: bool = False

    def dump(self) -> bytes:
        doc = {"v": STATE_VERSION, **vars(self)}
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def load(cls, previous: Summary | None) -> _State:
        """Our state from `previous`; a summary without it (or with a damaged one) seeds one."""
        if previous is None:
            return cls()
        try:
            raw = json.loads(previous.state or b"{}")
            if not isinstance(raw, dict) or raw.pop("v", None) != STATE_VERSION:
                return cls._seeded(previous)
            return cls._parsed(raw)
        except (ValueError, TypeError, KeyError):
            return cls._seeded(previous)

    @classmethod
    def _parsed(cls, raw: dict[str, Any]) -> _State:
        state = cls(**raw)
        state.ids = [(str(label), str(value)) for label, value in state.ids]
        state.facts = [Item(*row) for row in state.facts]
        state.actions = [Item(*row) for row in state.actions]
        state.next_steps = [Item(*row) for row in state.next_steps]
        state.question = Item(*state.question) if state.question else None
        return state

    @classmethod
    def _seeded(cls, previous: Summary) -> _State:
        """Continue from a summary without our state (e.g. written by another summarizer)."""
        seq = previous.covered_through_seq
        return cls(
            reason=previous.reason,
            reason_kind="plain" if previous.reason else "",
            reason_score=2.0 if previous.reason else 0.0,
            facts=[Item(text, FACT_THRESHOLD, seq) for text in previous.facts],
            actions=[Item(text, 1.0, seq) for text in previous.actions],
            next_steps=[Item(text, 1.0, seq) for text in previous.next_steps],
            spoke=previous.sentiment is not Sentiment.UNSPECIFIED,
        )


class OfflineSummarizer:
    """Rule-based incremental summarizer: standard library only, well under 1 ms a segment."""

    name = "offline"

    async def update(self, previous: Summary | None, new_segments: Sequence[Segment]) -> Summary:
        return self.summarize(previous, new_segments)

    def summarize(self, previous: Summary | None, new_segments: Sequence[Segment]) -> Summary:
        """`update`, synchronously (it does no I/O): for a worker process or thread."""
        state = _State.load(previous)
        for segment in new_segments:
            _absorb(state, segment)
        last_seq = new_segments[-1].seq if new_segments else _covered(previous)
        return _render(state, last_seq, self.name)


def _covered(previous: Summary | None) -> int:
    return previous.covered_through_seq if previous is not None else 0


# --- reading one segment ----------------------------------------------------------------------


def _absorb(state: _State, segment: Segment) -> None:
    if segment.role is Role.CALLER:
        _absorb_caller(state, segment, known=True)
    elif segment.role in (Role.AGENT, Role.SUPERVISOR):
        if not segment.on_hold:  # the agent talking to a colleague while the caller waits
            _absorb_agent(state, segment)
    else:  # diarization failed: take the caller's and the agent's cues, not name or mood
        _absorb_caller(state, segment, known=False)
        if not segment.on_hold:
            _absorb_agent(state, segment)


def _absorb_caller(state: _State, segment: Segment, *, known: bool) -> None:
    live = not segment.on_hold  # on hold the caller talks to someone else: facts only
    clauses = rules.split_clauses(segment.text)
    answered, asked_for = state.asked, (state.asked_for if live else [])
    if live:
        state.turns += 1
        state.asked, state.asked_for = False, []
    if known:
        _update_mood(state, segment.text)
        if not state.name:
            _find_name(state, clauses, asked_name="name" in asked_for)
    used = _update_reason(state, clauses) if live else set()
    if live and not state.reason and not used and state.turns <= 2:
        used = _first_account(state, clauses)
    tried = [attempt for clause in clauses if (attempt := rules.tried_of(clause))]
    for index, clause in enumerate(clauses):
        ids = rules.identifiers_of(clause, asked_for if index == 0 else [])
        _add_ids(state, ids, segment.seq)
        if index not in used and not rules.tried_of(clause):
            weight = (1.0 if live else 0.8) * (0.5 if ids else 1.0)
            _read_caller_clause(state, clause, segment.seq, live, answered, weight)
    if tried:
        _add_fact(state, "Already tried: " + ", ".join(tried), 3.5, segment.seq)


def _read_caller_clause(
    state: _State, clause: rules.Clause, seq: int, live: bool, answered: bool, weight: float
) -> None:
    """A need, a question or a fact (which the caller's name or an identifier alone is not)."""
    need = rules.need_of(clause) if live else None
    if need and rules.overlap(need, state.reason) < 0.6:
        _add(state.next_steps, Item(need, 1.0, seq), KEPT_NEXT_STEPS, by_age=True)
    elif clause.question:
        if live and len(rules.content_words(clause.text)) >= 2:
            text = rules.third_person(clause.text, agent=False)
            state.question = Item(f"The caller asked: {text}", 1.0, seq)
            # A request ("can you waive the fee?") stays open after the agent answers, until
            # an action of the agent's matches it: the caller's latest ask is what B meets.
            ask = rules.request_of(clause)
            if ask and rules.overlap(ask, state.reason) < 0.6:
                _add(state.next_steps, Item(ask, 1.0, seq), KEPT_NEXT_STEPS, by_age=True)
    else:
        score = rules.fact_score(clause, answers_question=answered) * weight
        text = rules.third_person(rules.truncate(clause.text, 20), agent=False)
        _add_fact(state, text, score, seq)


def _absorb_agent(state: _State, segment: Segment) -> None:
    clauses = rules.split_clauses(segment.text)
    state.asked = any(c.question for c in clauses)
    state.asked_for = [label for c in clauses for label in rules.requested(c)][:4]
    state.question = None  # the agent has answered (or at least taken up) the caller's question
    for clause in clauses:
        if clause.question:
            continue
        promise = rules.commitment_of(clause) or rules.pending_of(clause)
        if promise:
            _add(state.next_steps, Item(promise, 1.0, segment.seq), KEPT_NEXT_STEPS, by_age=True)
            continue
        detail = rules.agent_fact_of(clause)
        if detail:
            score = rules.fact_score(clause, answers_question=False) + 1.0
            _add_fact(state, detail, score, segment.seq)
            continue
        deed = rules.action_of(clause)
        if deed:
            _add(state.actions, Item(deed[0], deed[1], segment.seq), KEPT_ACTIONS)
            state.next_steps = [n for n in state.next_steps if not _resolves(deed[0], n.text)]
            continue
        if rules.explains(clause) and not rules.is_greeting(clause):
            score = rules.fact_score(clause, answers_question=False) + 1.0
            _add_fact(
                state,
                rules.third_person(rules.truncate(clause.text, 22), agent=True),
                score,
                segment.seq,
            )
            continue
        # The extractive core: whatever the agent states with amounts, dates or counts in it
        # ("it's an 85 dollar citation", "insurance paid 1,100") is a fact, whatever the phrasing.
        if rules.carries_figures(clause) and not rules.is_greeting(clause):
            # Below what the caller says: the agent's figures are often offers and policy.
            score = rules.fact_score(clause, answers_question=False) * 0.7
            _add_fact(
                state,
                rules.third_person(rules.truncate(clause.text, 20), agent=True),
                score,
                segment.seq,
            )


def _resolves(action: str, open_item: str) -> bool:
    return rules.similar(action, open_item, 0.5)


def _update_mood(state: _State, text: str) -> None:
    neg, pos = rules.mood_of(text)
    state.neg = round(state.neg * _NEG_DECAY + neg, 4)
    state.pos = round(state.pos * _POS_DECAY + pos, 4)
    state.spoke = True


def _find_name(state: _State, clauses: list[rules.Clause], *, asked_name: bool) -> None:
    for index, clause in enumerate(clauses):
        name = rules.name_of(clause, asked=asked_name and index == 0, early=state.turns <= 2)
        if name:
            state.name = name
            return


def _update_reason(state: _State, clauses: list[rules.Clause]) -> set[int]:
    """Adopt this segment's stated reason if it beats the current one; return its clauses."""
    found = [(i, r) for i, c in enumerate(clauses) if (r := rules.reason_of(c)) is not None]
    if not found:
        return set()
    best = max(strength for _, (_, _, strength) in found)
    score = best - _TURN_DISCOUNT * max(0, state.turns - 2)
    if score <= 0 or score <= state.reason_score + 0.25:  # restated reason: not a fact either
        return {i for i, (_, text, _) in found if rules.similar(text, state.reason)}
    chosen = found[:2]
    text = " and ".join(text for _, (_, text, _) in chosen)
    first = chosen[0][0]
    if first > 0 and len(rules.content_words(text)) < 3:
        # "you moved the start date, so i'd like a refund": a bare wish keeps its why.
        before = rules.third_person(clauses[first - 1].text, agent=False)
        text = f"{before}, so {text}"
        score += 1.0
    state.reason = rules.truncate(text, 26)
    state.reason_kind = chosen[0][1][0]
    state.reason_score = score
    state.facts = [f for f in state.facts if not rules.similar(f.text, state.reason)]
    return {i for i, _ in chosen}


def _first_account(state: _State, clauses: list[rules.Clause]) -> set[int]:
    """With no stated reason yet, the caller's first clause that carries the case ("i got a
    bill for 2,340 dollars from an er visit") stands in for one, weakly: any stated reason
    replaces it."""
    scored = [
        (rules.fact_score(c, answers_question=False), i)
        for i, c in enumerate(clauses)
        if not c.question
    ]
    if not scored:
        return set()
    score, index = max(scored)
    if score < FACT_THRESHOLD:
        return set()
    state.reason = rules.truncate(rules.third_person(clauses[index].text, agent=False), 24)
    state.reason_kind, state.reason_score = "because", 0.1
    return {index}


# --- remembering, bounded ---------------------------------------------------------------------


def _add_ids(state: _State, ids: list[tuple[str, str]], seq: int) -> None:
    for label, value in ids:
        if label in {"person", "name"}:  # a redacted name is not an identifier
            continue
        if len(state.ids) < KEPT_IDS and all(value != v for _, v in state.ids):
            state.ids.append((label, value))
            state.ids_seq = state.ids_seq or seq


def _add_fact(state: _State, text: str, score: float, seq: int) -> None:
    if score >= FACT_THRESHOLD and not rules.similar(text, state.reason):
        _add(state.facts, Item(text, score, seq), KEPT_FACTS)


def _add(items: list[Item], new: Item, cap: int, *, by_age: bool = False) -> None:
    """Insert `new` unless a similar item exists (the higher score wins), then cap the list."""
    for index, old in enumerate(items):
        if rules.similar(old.text, new.text):
            if new.score > old.score or (by_age and new.score == old.score):
                items[index] = Item(new.text, new.score, old.seq if not by_age else new.seq)
            return
    items.append(new)
    if len(items) > cap:
        items.remove(items[0] if by_age else min(items, key=lambda i: (i.score, -i.seq)))


# --- writing the summary ----------------------------------------------------------------------


def _render(state: _State, seq: int, name: str) -> Summary:
    facts = _top(state.facts, MAX_FACTS - bool(state.name) - bool(state.ids))
    actions = _top(state.actions, MAX_ACTIONS)
    steps = state.next_steps[-(MAX_NEXT_STEPS - (state.question is not None)) :]
    if state.question:
        steps = [*steps, state.question]
    sentiment = _sentiment(state)
    return Summary(
        reason=rules.sentence_case(state.reason),
        facts=tuple(_fact_lines(state, facts)),
        actions=tuple(rules.sentence_case(a.text) for a in actions),
        next_steps=tuple(rules.sentence_case(n.text) for n in steps),
        sentiment=sentiment,
        urgency=_urgency(state),
        briefing=_briefing(state, facts, actions, steps, sentiment),
        covered_through_seq=seq,
        summarizer=name,
        state=state.dump(),
    )


def _top(items: list[Item], count: int) -> list[Item]:
    """The `count` best-scored items (older wins ties), back in the order they were said."""
    best = sorted(items, key=lambda i: (-i.score, i.seq))[: max(count, 0)]
    return sorted(best, key=lambda i: i.seq)


def _fact_lines(state: _State, facts: list[Item]) -> list[str]:
    lines = [Item(rules.sentence_case(f.text), f.score, f.seq) for f in facts]
    if state.ids:
        listed = ", ".join(f"{label} {value}" for label, value in state.ids)
        lines.append(Item(rules.sentence_case(listed), 0.0, state.ids_seq))
    ordered = [line.text for line in sorted(lines, key=lambda i: i.seq)]
    return [f"Name: {state.name}", *ordered] if state.name else ordered


_URGENT = re.compile(
    r"\b(?:fraud\w*|stolen|unauthori[sz]ed|(?:do not|don't|didn't|did not) recogni[sz]e|hacked|"
    r"scam\w*|emergency|chest pain|can't breathe|bleeding|urgent\w*|asap|right away|"
    r"immediately|gas leak|no heat|locked out)\b"
)
_ENQUIRY = re.compile(r"\b(?:wondering|question about|how (?:do|can) i|information about|quote)\b")


def _urgency(state: _State) -> Urgency:
    """High for fraud, safety and health words; low for an enquiry; normal otherwise."""
    if not state.reason:
        return Urgency.UNSPECIFIED
    said = " ".join([state.reason, *(f.text for f in state.facts)]).lower()
    if _URGENT.search(said):
        return Urgency.HIGH
    if _ENQUIRY.search(state.reason.lower()):
        return Urgency.LOW
    return Urgency.NORMAL


def _sentiment(state: _State) -> Sentiment:
    if not state.spoke:
        return Sentiment.UNSPECIFIED
    if state.neg >= _NEGATIVE_AT and state.neg >= state.pos:
        return Sentiment.NEGATIVE
    if state.pos >= _POSITIVE_AT and state.pos > state.neg:
        return Sentiment.POSITIVE
    return Sentiment.NEUTRAL


def _briefing(
    state: _State, facts: list[Item], actions: list[Item], steps: list[Item], mood: Sentiment
) -> str:
    """Compose at most `BRIEFING_MAX_WORDS` spoken words, terse, so that as much of what B needs as
    possible fits: who and why, then what is still open (the caller's latest ask first), what
    the agent did, and the facts by how much each word carries; the mood last.

    Items are cut to their content ("They're on the gigabit fiber plan" becomes "on the
    gigabit fiber plan"); what the screen shows anyway and the ear cannot use is left out
    (identifier tags, "the agent will transfer the caller", the name line)."""
    opener = _opener(state)
    feeling = _MOOD_WORDS.get(mood, "")
    budget = BRIEFING_MAX_WORDS - len(opener.split()) - len(feeling.split())
    todo = list(reversed(steps))
    deeds = sorted(actions, key=lambda i: (-i.score, i.seq))
    known = sorted(
        (f for f in facts if not rules.TAG.search(f.text) or rules.content_words(f.text)),
        key=lambda i: (-i.score, i.seq),
    )
    sections: dict[str, list[tuple[int, str]]] = {"Open": [], "Done": [], "Facts": []}
    # The best of each kind first (the latest ask, the main deed, the weightiest fact), then
    # whatever carries most per word, while words remain.
    firsts = [("Open", q[0]) for q in (todo,) if q] + [("Done", q[0]) for q in (deeds,) if q]
    firsts += [("Facts", q[0]) for q in (known,) if q]
    rest = [("Open", i) for i in todo[1:]] + [("Done", i) for i in deeds[1:]]
    rest += [("Facts", i) for i in known[1:]]
    rest.sort(key=lambda pair: -_information(_terse(pair[1].text)) * (1 + pair[1].score / 4))
    for label, item in firsts + rest:
        text = _terse(item.text)
        words = len(text.split()) + (0 if sections[label] else 1)
        if not text or words > budget:
            continue
        sections[label].append((item.seq, text))
        budget -= words
    parts = [opener]
    for label in ("Facts", "Done", "Open"):
        chosen = sections[label]
        if label == "Facts":
            chosen = sorted(chosen)  # facts in the order they were said
        if chosen:
            parts.append(f"{label}: " + "; ".join(t for _, t in chosen) + ".")
    if feeling:
        parts.append(feeling)
    return rules.truncate(" ".join(parts), BRIEFING_MAX_WORDS, max_chars=1200)


_TRANSFER = re.compile(
    r"^(?:the agent )?will (?:transfer|put) the caller (?:through )?to "
    r"(?:our |the agent's |the |a )?",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\$?\d[\d.,:]*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|"
    r"fifty|hundred|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|"
    r"march|april|may|june|july|august|september|october|november|december|today|tomorrow|"
    r"yesterday|week|month)\b",
    re.IGNORECASE,
)
_LEAD_SUBJECT = re.compile(
    r"^(?:the caller(?:'s)?|they(?:'re|'ve|'ll|'d)?|it's|it is|this is|there's|there are|"
    r"there is|we(?:'ve|'ll)?|the agent)\s+",
    re.IGNORECASE,
)
_HEDGES = re.compile(
    r"\blike (?=\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty)\b)|"
    r"\b(?:um+|uh+|just|really|actually|basically|honestly|pretty|kind of|sort of|"
    r"or something|you know|i mean|thank god|you guys|at all|anymore)\b,?\s*",
    re.IGNORECASE,
)


# Telegraphic style: articles and the caller's pronouns carry nothing B needs ("a" before a
# unit of time stays: "22.99 a month").
_FUNCTION_WORDS = re.compile(
    r"\b(?:the|an|their|them|they're|they've|they'll|they'd|they|his|her|its|our|your|some|"
    r"a(?! (?:month|week|day|year|time)\b))\b\s*",
    re.IGNORECASE,
)


# A preposition left without its object once a pronoun is gone ("opened a claim for them").
_DANGLING = re.compile(r"\s+(?:to|for|from|with|at|through|by)(?=\s*(?:[,;.]|$))", re.IGNORECASE)


# Pure functions of an item's text, asked again at every refresh of the call: cached.
@functools.lru_cache(maxsize=16_384)
def _terse(text: str) -> str:
    """An item cut to what it carries, fit to be heard: no leading subject, hedges or tags."""
    text = _spoken(text)
    if text.lower().startswith("already tried: "):
        text = text[len("already tried: ") :]
        text = text if text.lower().startswith("tried") else "tried " + text
    text = _TRANSFER.sub("transfer to ", text)
    # "transfer to them": to whom is on B's screen (B), and only what follows says anything.
    text = re.sub(r"^transfer to (?:them|him|her)(?: now)?\b[,;]?\s*", "", text)
    if text.lower().startswith("the caller asked: "):
        text = "asked " + text[len("the caller asked: ") :]
    text = _HEDGES.sub("", text)
    text = _LEAD_SUBJECT.sub("", text)
    text = _FUNCTION_WORDS.sub("", text)
    text = _DANGLING.sub("", text)
    text = re.sub(r"\s+", " ", text).strip(" ,;.")

    return rules.truncate(_lower_first(text), BRIEFING_ITEM_WORDS)


@functools.lru_cache(maxsize=16_384)
def _information(text: str) -> float:
    """What a terse item carries per word: its content words, numbers, dates and days counting
    double."""
    words = max(len(text.split()), 1)
    return (len(rules.content_words(text)) + len(_NUMBER.findall(text))) / (words + 3)


def _opener(state: _State) -> str:
    """Who and why: "The caller, Priya Nair, calls because they still haven't gotten their
    refund." """
    name = state.name if state.name and not rules.TAG.search(state.name) else ""
    who = f"The caller, {name}," if name else "The caller"
    reason = rules.truncate(_HEDGES.sub("", _spoken(state.reason)), 22)
    if not reason:
        return f"{who} is on the line."
    lead = {"about": "calls about", "to": "calls to", "because": "calls because"}
    return f"{who} {lead.get(state.reason_kind, 'calls about')} {_lower_first(reason)}."


def _fact_sentence(text: str) -> str:
    if text.lower().startswith("already tried: "):
        return "They already " + text[len("already tried: ") :] + "."
    return rules.sentence_case(text) + "."


_SPOKEN_ID = re.compile(
    r",?\s*(?:and )?(?:the|a|their|your|its) (?:[a-z]+ ){0,2}(?:number|id|code)(?: is|:)? "
    r"<[A-Z0-9_]+>"
)


def _spoken(text: str) -> str:
    """Text fit for TTS: labelled tags dropped, other tags said as "an account number"."""
    if "<" not in text and ">" not in text:
        return text
    text = _SPOKEN_ID.sub("", text)
    text = _NAMED_TAG.sub(lambda m: m.group(1) if _same_noun(m) else m.group(0), text)
    text = rules.TAG.sub(lambda m: rules.spoken_tag(m.group(0)), text)
    return text.replace("<", "").replace(">", "").strip(" ,")


_NAMED_TAG = re.compile(r"\b([A-Za-z]+) (<([A-Z]+)_?[A-Z0-9_]*>)")


def _same_noun(match: re.Match[str]) -> bool:
    """ "claim <CLAIM_ID>": the tag only repeats the noun before it."""
    return match.group(1).lower() == match.group(3).lower()


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[1].islower():
        return text[:1].lower() + text[1:]
    return text
