"""Redaction of a live call: Presidio over a sliding window of the speaker's recent segments.

One `RedactionEngine` per process holds the analyzer (spaCy's small English name model and the
pattern recognizers, `analyzer`); each call gets a `CallRedactor` from `start_call()`, which
keeps the call's recent segments, the names already found in it, and its pseudonyms.

Each new final segment is first read alone, once (`RedactionEngine.prepare`): its spoken forms
are written out (`spoken.normalize`) and the name model reads it. That step takes segments of
many calls at once (`RedactionEngine.redact`), which is how a server under load batches them.
Then `CallRedactor.add`:

1. takes this speaker's last two segments and the new one (a card number read over two segments,
   or two turns with "uh-huh" between, is one entity again), plus the other party's recent lines
   as cue context ("what's the security code?"). Earlier segments count only while the other
   party merely let the speaker go on ("uh-huh", "go ahead"): after a new question ("and the
   expiration date?") the answer is a new value, read with that question as its cue;
2. runs the pattern recognizers over the window's written-out text (the window is usually the
   new segment alone, whose normalized text is at hand), and adds the names found in the new
   segment and the names said earlier in the call;
3. maps every finding back to the words spoken, and splits it over the segments it spans;
4. merges the findings with those each segment already had (a segment never loses a finding),
   and returns a `Revision` for the new segment and for every earlier one whose findings grew.

Redaction only ever widens: a segment's later revisions hide everything earlier ones hid.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from warmtransfer.rag.redaction.analyzer import Analyzer, Match
from warmtransfer.rag.redaction.model import Finding, Revision
from warmtransfer.rag.redaction.spoken import Normalized, normalize

__all__ = [
    "SETTLE_ANY",
    "SETTLE_SAME_SPEAKER",
    "CallRedactor",
    "Prepared",
    "RedactionEngine",
    "RedactionRequest",
    "RedactionStyle",
    "WindowRead",
]

RedactionStyle = Literal["tag", "mask", "pseudonym"]
"""How personal data is replaced: `<PHONE_NUMBER>`, `**************`, or `<PERSON_1>` (the same
value gets the same pseudonym throughout a call)."""

STYLES: tuple[str, ...] = ("tag", "mask", "pseudonym")

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


@dataclass(frozen=True, slots=True)
class Prepared:
    """What is read from a segment's text alone, once: its spoken forms written out, and the
    people's names the name model finds in it (in the segment's original offsets)."""

    norm: Normalized
    names: frozenset[Finding]


@dataclass(frozen=True, slots=True)
class WindowRead:
    """A window of several segments (`seqs`), written out and read by the name model."""

    seqs: tuple[int, ...]
    norm: Normalized
    names: list[tuple[int, int, float]]


@dataclass(frozen=True, slots=True)
class RedactionRequest:
    """One segment to redact in a batch: a final segment (`seq` set) or an interim (`seq`
    None: only its preview text is returned, nothing is remembered)."""

    call: CallRedactor
    speaker: str
    text: str
    seq: int | None = None


class RedactionEngine:
    """The analyzer, shared by every call of the process (thread-safe)."""

    def __init__(self, *, style: RedactionStyle = "tag") -> None:
        if style not in STYLES:
            raise ValueError(f"redaction style {style!r} is not one of {', '.join(STYLES)}")
        self.style: RedactionStyle = style
        self._analyzer = Analyzer()
        # spaCy's pipeline is not documented as thread-safe; analysis is serialized.
        self._lock = threading.Lock()

    def start_call(self, *, style: RedactionStyle | None = None) -> CallRedactor:
        return CallRedactor(self, style=style or self.style)

    def redact(self, requests: Sequence[RedactionRequest]) -> list[list[Revision] | str]:
        """Redact a batch of segments of any calls, in order. The name model reads the whole
        batch in one pass: each new text in the window it will be analyzed in (alone, or with
        the speaker's segments it continues: a name may go on over a pause, "under Alyssa" ...
        "Ward, W A R D"). Then each request is applied to its call: a final segment gets its
        revisions (`CallRedactor.add`), an interim its redacted text (`CallRedactor.preview`).
        Requests of one call are applied in the order given."""
        return [r if isinstance(r, str) else r[0] for r in self.redact_settling(requests)]

    def redact_settling(
        self, requests: Sequence[RedactionRequest]
    ) -> list[tuple[list[Revision], int] | str]:
        """`redact`, and with each final segment's revisions its call's `final_through()` as it
        stands right after that segment (not after the whole batch)."""
        reads = self._read(requests)
        out: list[tuple[list[Revision], int] | str] = []
        for request in requests:
            ready, window = reads.get(id(request), (None, None))
            if request.seq is None:
                assert ready is not None
                out.append(
                    request.call.preview_prepared(request.speaker, request.text, ready, window)
                )
            else:
                revisions = request.call.add_prepared(
                    request.seq, request.speaker, request.text, ready, window
                )
                out.append((revisions, request.call.final_through()))
        return out

    def _read(
        self, requests: Sequence[RedactionRequest]
    ) -> dict[int, tuple[Prepared, WindowRead | None]]:
        """Each new text of the batch written out, and the name model's reading of the window
        it will be analyzed in (as its call's window will stand when its turn comes): of the
        text alone when it starts a window, else of the window (`WindowRead`)."""
        recent: dict[int, list[_Segment]] = {}
        plan: list[tuple[RedactionRequest, Normalized, tuple[int, ...], Normalized]] = []
        for request in requests:
            call = request.call
            seen = recent.get(id(call))
            if seen is None:
                seen = recent[id(call)] = call.recent()
            seq = -1 if request.seq is None else request.seq
            if request.seq is not None and any(s.seq == seq for s in seen):
                continue  # a re-send: its revision is in the window
            norm = normalize(request.text)
            segment = _Segment(seq, request.speaker, request.text, norm)
            window = [*_continued(seen, request.speaker), segment]
            read = norm
            if len(window) > 1:
                read = normalize(_join(s.text for s in window)[0])
            plan.append((request, norm, tuple(s.seq for s in window), read))
            if request.seq is not None:
                seen.append(segment)
                del seen[:-_RECENT]
        with self._lock:
            found = self._analyzer.names([read.text for _, _, _, read in plan])
        reads: dict[int, tuple[Prepared, WindowRead | None]] = {}
        for (request, norm, seqs, read), names in zip(plan, found, strict=True):
            if len(seqs) == 1:
                reads[id(request)] = (
                    Prepared(norm, frozenset(_names_in(request.text, norm, names))),
                    None,
                )
            else:
                reads[id(request)] = (Prepared(norm, frozenset()), WindowRead(seqs, read, names))
        return reads

    def prepare(self, texts: Sequence[str]) -> list[Prepared]:
        """Each text read alone: spoken forms written out, names found (one model pass)."""
        norms = [normalize(text) for text in texts]
        with self._lock:
            spans = self._analyzer.names([norm.text for norm in norms])
        return [
            Prepared(norm, frozenset(_names_in(text, norm, found)))
            for text, norm, found in zip(texts, norms, spans, strict=True)
        ]

    def patterns(self, text: str, start: int = 0) -> list[Match]:
        with self._lock:
            return self._analyzer.patterns(text, start)

    def names(self, text: str) -> list[tuple[int, int, float]]:
        with self._lock:
            return self._analyzer.names([text])[0]


def _names_in(
    text: str, norm: Normalized, spans: Iterable[tuple[int, int, float]]
) -> Iterator[Finding]:
    for start, end, score in spans:
        if _is_filler(norm.text[start:end]):
            continue
        span = _original_span(norm, start, end)
        if span is not None:
            finding = _trimmed(text, "PERSON", span[0], span[1], score)
            if finding:
                yield finding


@dataclass
class _Segment:
    seq: int
    speaker: str
    text: str
    norm: Normalized
    findings: set[Finding] = field(default_factory=set)


class CallRedactor:
    """One call's redaction state: recent segments, names found, pseudonyms."""

    def __init__(self, engine: RedactionEngine, *, style: RedactionStyle) -> None:
        self._engine = engine
        self._style = style
        self._recent: deque[_Segment] = deque(maxlen=_RECENT)
        self._names: set[str] = set()
        self._names_regex: re.Pattern[str] | None = None  # of `_names`, until they change
        self._pseudonyms: dict[tuple[str, str], str] = {}
        self._persons: list[tuple[list[str], str]] = []  # (name words, pseudonym)
        self._last_seq = 0
        self._lock = threading.Lock()

    def add(self, *, seq: int, speaker: str, text: str) -> list[Revision]:
        """Redact final segment `seq`; returns its revision and those of earlier segments whose
        redaction it completed, in seq order. A seq added before (a re-sent segment) gets its
        current revision back and changes nothing."""
        request = RedactionRequest(self, speaker, text, seq)
        result = self._engine.redact([request])[0]
        assert isinstance(result, list)
        return result

    def preview(self, *, speaker: str, text: str) -> str:
        """The redacted text of an interim segment (nothing is remembered)."""
        result = self._engine.redact([RedactionRequest(self, speaker, text)])[0]
        assert isinstance(result, str)
        return result

    def final_through(self) -> int:
        """The highest seq up to which every segment of the call seen so far is final: no
        later segment can revise it. A segment can be revised only while it may still be in a
        window (`_continued`): among its speaker's last `_WINDOW_SAME_SPEAKER` segments, with
        nothing but backchannel from the other party since. So most segments are final as soon
        as the other party says something, or the speaker has said two more. 0 before any."""
        with self._lock:
            if not self._recent:
                return self._last_seq
            open_seqs = [
                seg.seq
                for speaker in {seg.speaker for seg in self._recent}
                for seg in _continued(self._recent, speaker)
            ]
            return min(open_seqs) - 1 if open_seqs else self._last_seq

    def has(self, seq: int) -> bool:
        """Whether final segment `seq` is in the window already (a re-send)."""
        with self._lock:
            return any(seen.seq == seq for seen in self._recent)

    def add_prepared(
        self,
        seq: int,
        speaker: str,
        text: str,
        prepared: Prepared | None,
        window_read: WindowRead | None = None,
    ) -> list[Revision]:
        """`add`, with the segment's text already read (`RedactionEngine.prepare`), or None for
        a seq the window held when the batch was read (a re-send: if earlier segments of the
        batch pushed it out of the window since, it is read now)."""
        with self._lock:
            for seen in self._recent:
                if seen.seq == seq:
                    return [self._revision(seen)]
            if prepared is None:
                (prepared,) = self._engine.prepare([text])
            segment = _Segment(seq, speaker, text, prepared.norm)
            window = [*_continued(self._recent, speaker), segment]
            found = self._analyze(window, self._context_for(speaker), prepared, window_read)
            changed: list[_Segment] = []
            for seg, findings in zip(window, found, strict=True):
                merged = _merge(seg.findings | findings)
                if seg is segment or merged != seg.findings:
                    seg.findings = merged
                    changed.append(seg)
            self._recent.append(segment)
            self._last_seq = max(self._last_seq, seq)
            learned = self._remember_names(changed)
            if learned:  # "Ward, W A R D": the spelling names the word said just before it
                said = _names_regex(learned)
                for seg in window:
                    merged = _merge(seg.findings | _mentions(seg.text, said))
                    if merged != seg.findings:
                        seg.findings = merged
                        if seg not in changed:
                            changed.append(seg)
                changed.sort(key=lambda seg: seg.seq)
            return [self._revision(seg) for seg in changed]

    def preview_prepared(
        self, speaker: str, text: str, prepared: Prepared, window_read: WindowRead | None = None
    ) -> str:
        """`preview`, with the text already read."""
        with self._lock:
            segment = _Segment(-1, speaker, text, prepared.norm)
            window = [*_continued(self._recent, speaker), segment]
            found = self._analyze(window, self._context_for(speaker), prepared, window_read)
            segment.findings = _merge(found[-1])
            return self._revision(segment).text

    def recent(self) -> list[_Segment]:
        """The call's recent segments, oldest first (a copy)."""
        with self._lock:
            return list(self._recent)

    def _context_for(self, speaker: str) -> list[_Segment]:
        return [s for s in self._recent if s.speaker != speaker][-_CONTEXT_OTHER:]

    def _analyze(
        self,
        window: Sequence[_Segment],
        context: Sequence[_Segment],
        prepared: Prepared,
        window_read: WindowRead | None,
    ) -> list[set[Finding]]:
        """Findings per window segment, in each segment's own offsets: the pattern recognizers
        over the window read as one text, after the other party's lines as cue context; the
        names the name model finds in the newest segment alone (`prepared`) and in the window
        (`window_read`, read with the batch; read now if the batch guessed another window); and
        names said before."""
        names: list[tuple[int, int, float]] = []
        if len(window) == 1:
            norm = prepared.norm
            bounds = [(0, len(window[0].text))]
            if window_read is not None:  # the batch expected a longer window: read it alone
                names = self._engine.names(norm.text)
        else:
            joined, bounds = _join(seg.text for seg in window)
            if window_read is not None and window_read.seqs == tuple(s.seq for s in window):
                norm, names = window_read.norm, window_read.names
            else:
                norm = normalize(joined)
                names = self._engine.names(norm.text)
        cues = " ".join(seg.norm.text for seg in context).replace("\n", " ")
        prefix = cues + "\n" if cues else ""
        shift = len(prefix)
        results = self._engine.patterns(prefix + norm.text, shift)
        results += [("PERSON", start + shift, end + shift, p) for start, end, p in names]
        results += self._known_names(norm.text, len(prefix))
        per_segment: list[set[Finding]] = [set() for _ in window]
        per_segment[-1].update(prepared.names)
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
        if self._names_regex is None:
            self._names_regex = _names_regex(self._names)
        return [
            ("PERSON", offset + m.start(), offset + m.end(), 0.8)
            for m in self._names_regex.finditer(text)
        ]

    def _remember_names(self, segments: Iterable[_Segment]) -> set[str]:
        """Remember the words of the names found; returns those not known before."""
        learned: set[str] = set()
        for seg in segments:
            for f in seg.findings:
                if f.entity_type == "PERSON":
                    said = seg.text[f.start : f.end]
                    words = re.findall(r"(?:[^\W\d_]|['\u2019-]){3,}", said)
                    if re.fullmatch(r"[A-Za-z](?:[\s,.-]+[A-Za-z]){2,}", said):
                        words.append(re.sub(r"[^A-Za-z]", "", said))  # spelled: "W A R D"
                    learned.update(w.lower() for w in words if w.lower() not in self._names)
        if learned:
            self._names |= learned
            self._names_regex = None
        return learned

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


def _mentions(text: str, names: re.Pattern[str]) -> set[Finding]:
    """Where any of the names `names` matches (see `_names_regex`) is said in `text`."""
    return {Finding("PERSON", m.start(), m.end(), 0.8) for m in names.finditer(text)}


def _names_regex(names: Iterable[str]) -> re.Pattern[str]:
    """Any of `names` as a whole word, in any case. Compiled here and kept by its caller: each
    call's set of names is its own, so at a few hundred live calls `re`'s own cache (512
    patterns) would compile them again at nearly every use."""
    alternatives = "|".join(re.escape(n) for n in sorted(names))
    return re.compile(r"\b(?:" + alternatives + r")\b", re.IGNORECASE)


def _continued(recent: Iterable[_Segment], speaker: str) -> list[_Segment]:
    """The speaker's latest segments of `recent` (at most `_WINDOW_SAME_SPEAKER`) that a new
    segment may continue: none from before the other party last said more than a backchannel,
    since a new question starts a new answer."""
    earlier: list[_Segment] = []
    for seg in reversed(list(recent)):
        if seg.speaker == speaker:
            earlier.append(seg)
            if len(earlier) == _WINDOW_SAME_SPEAKER:
                break
        elif not _is_backchannel(seg.text):
            break
    return earlier[::-1]


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
