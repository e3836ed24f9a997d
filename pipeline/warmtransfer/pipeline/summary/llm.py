"""`LLMSummarizer`: rolling summaries from an LLM behind the OpenAI chat-completions API.

OpenAI itself (`OPENAI_API_KEY`), or any OpenAI-compatible server (`OPENAI_BASE_URL`: vLLM,
Ollama, llama.cpp's server), which is how self-hosting enterprises run it.

Each update sends the previous summary (as JSON) plus only the new (redacted) lines, and asks for
the updated summary back as JSON matching `SUMMARY_SCHEMA`: with `structured="json_schema"` the
server is held to the schema (OpenAI's structured outputs, vLLM, Ollama); `"json_object"` asks
for JSON with the schema attached (llama.cpp's Python server turns it into a grammar); `"none"`
sends the schema in the prompt and finds the JSON in whatever comes back. A server that refuses
a `response_format` is asked again the next way down, and from then on.

Prompts are bounded whatever the call's length: the previous summary is capped (lists, item
lengths), each line is capped, and a batch of new lines larger than `max_prompt_chars` is
summarized in several requests, one after the other.

Every failure (timeout, refused request, an answer that is not the JSON asked for) raises
`SummarizerError`; `FallbackSummarizer` turns that into the offline summary.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from warmtransfer.pipeline.summary.model import (
    BRIEFING_MAX_WORDS,
    Role,
    Segment,
    Sentiment,
    SummarizerError,
    Summary,
    Urgency,
)

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["BRIEFING_MAX_WORDS", "SUMMARY_SCHEMA", "LLMSettings", "LLMSummarizer", "build_llm"]

log = logging.getLogger(__name__)

STRUCTURED_MODES = ("json_schema", "json_object", "none")
"""Ways of asking for JSON, from the strictest; a server that refuses one gets the next."""
MAX_ITEMS = 8  # per list in the summary
MAX_ITEM_CHARS = 200
MAX_LINE_CHARS = 600

SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reason": {"type": "string", "description": "Why the customer called, one sentence."},
        "facts": {
            "type": "array",
            "items": {"type": "string"},
            "description": "What the customer said about themselves and their case.",
        },
        "actions": {
            "type": "array",
            "items": {"type": "string"},
            "description": "What has been done on the call so far.",
        },
        "next_steps": {
            "type": "array",
            "items": {"type": "string"},
            "description": "What is still open: promised follow-ups, unanswered questions.",
        },
        "sentiment": {"type": "string", "enum": [s.value for s in Sentiment]},
        "urgency": {"type": "string", "enum": [u.value for u in Urgency]},
        "briefing": {
            "type": "string",
            "description": f"At most {BRIEFING_MAX_WORDS} words, spoken style, for the agent "
            "taking the call over.",
        },
    },
    "required": ["reason", "facts", "actions", "next_steps", "sentiment", "urgency", "briefing"],
    "additionalProperties": False,
}

SYSTEM_PROMPT = f"""You keep the running summary of a live contact-center call, for the agent \
who may take the call over. You get the summary so far (JSON) and the lines said since. Return \
the updated summary as one JSON object with exactly these keys: reason, facts, actions, \
next_steps, sentiment, urgency, briefing.
Rules:
- Use only what the lines and the summary so far say. Never invent names, numbers or promises.
- Tags such as <PHONE_NUMBER> stand for personal data that was removed: keep them as they are.
- Keep what still holds from the summary so far; update what changed; at most {MAX_ITEMS} \
short items per list.
- sentiment is the caller's mood: positive, neutral, negative or unspecified.
- urgency: high for fraud, safety, health or service down for a business; low for questions; \
normal otherwise; unspecified if too little was said.
- briefing: at most {BRIEFING_MAX_WORDS} words, third person, spoken style, what the next agent \
must know first."""

_ROLE_LABEL = {
    Role.CALLER: "caller",
    Role.AGENT: "agent",
    Role.SUPERVISOR: "supervisor",
    Role.UNKNOWN: "speaker",
}


@dataclass(frozen=True, slots=True)
class LLMSettings:
    """Which LLM summarizes, and how it is asked."""

    model: str = "gpt-4o-mini"
    api_key: str = ""  # empty for a local server that wants none
    base_url: str | None = None  # None: OpenAI itself
    timeout_s: float = 20.0
    structured: str = "json_schema"
    max_output_tokens: int = 600


def build_llm(settings: LLMSettings) -> LLMSummarizer:
    """An LLMSummarizer on an OpenAI client for `settings` (no client retries: a failed update
    falls back to the offline summary at once, and the next update tries again)."""
    from openai import AsyncOpenAI

    client = AsyncOpenAI(
        api_key=settings.api_key or "unused",
        base_url=settings.base_url,
        max_retries=0,
        timeout=settings.timeout_s,
    )
    return LLMSummarizer(
        client,
        settings.model,
        timeout=settings.timeout_s,
        structured=settings.structured,
        max_output_tokens=settings.max_output_tokens,
    )


class LLMSummarizer:
    """Rolling summaries from a chat-completions LLM (see the module docstring)."""

    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        *,
        timeout: float = 20.0,
        structured: str = "json_schema",
        max_prompt_chars: int = 8000,
        max_output_tokens: int = 600,
    ) -> None:
        if structured not in STRUCTURED_MODES:
            raise ValueError(f"structured must be json_schema, json_object or none: {structured!r}")
        self._client = client
        self.model = model
        self.name = f"llm:{model}"
        self._timeout = timeout
        self._structured = structured
        self._max_prompt_chars = max_prompt_chars
        self._max_output_tokens = max_output_tokens

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()

    async def update(self, previous: Summary | None, new_segments: Sequence[Segment]) -> Summary:
        summary = previous
        for batch in _batches(new_segments, self._max_prompt_chars):
            summary = await self._one_request(summary, batch)
        assert summary is not None
        return summary

    async def _one_request(self, previous: Summary | None, batch: Sequence[Segment]) -> Summary:
        from openai import APIError, APIStatusError, APITimeoutError

        while True:
            messages = [
                {"role": "system", "content": self._system_prompt()},
                {"role": "user", "content": user_prompt(previous, batch)},
            ]
            try:
                response = await self._client.chat.completions.create(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    response_format=self._response_format(),
                    max_tokens=self._max_output_tokens,
                    temperature=0,
                    timeout=self._timeout,
                )
                break
            except APITimeoutError:
                raise SummarizerError(
                    f"{self.name}: no answer within {self._timeout:g} s"
                ) from None
            except APIStatusError as exc:
                if "response_format" in str(exc) and self._downgrade():
                    continue  # this server takes another way of asking for JSON: ask again
                raise SummarizerError(f"{self.name}: {type(exc).__name__}: {exc}") from None
            except APIError as exc:
                raise SummarizerError(f"{self.name}: {type(exc).__name__}: {exc}") from None
        if not response.choices or response.choices[0].message.content is None:
            raise SummarizerError(f"{self.name}: the answer has no content")
        fields = parse_summary(response.choices[0].message.content)
        return _summary(fields, batch[-1].seq, self.name)

    @property
    def structured(self) -> str:
        """How JSON is asked for now (it may have been downgraded for this server)."""
        return self._structured

    def _downgrade(self) -> bool:
        """Servers differ: OpenAI, vLLM and Ollama take a JSON schema; llama.cpp's Python server
        takes a schema inside `json_object`; others take neither. Step down once per refusal."""
        modes = STRUCTURED_MODES
        i = modes.index(self._structured)
        if i + 1 >= len(modes):
            return False
        log.warning(
            "%s refused response_format %s; asking with %s from now on",
            self.name, self._structured, modes[i + 1],
        )  # fmt: skip
        self._structured = modes[i + 1]
        return True

    def _system_prompt(self) -> str:
        if self._structured == "json_schema":
            return SYSTEM_PROMPT
        return f"{SYSTEM_PROMPT}\nThe JSON must match this schema:\n{json.dumps(SUMMARY_SCHEMA)}"

    def _response_format(self) -> Any:
        from openai import NOT_GIVEN

        if self._structured == "json_schema":
            return {
                "type": "json_schema",
                "json_schema": {"name": "call_summary", "schema": SUMMARY_SCHEMA, "strict": True},
            }
        if self._structured == "json_object":
            # `schema` is llama.cpp's extension (it becomes a grammar); a server that refuses
            # it steps down to `none`.
            return {"type": "json_object", "schema": SUMMARY_SCHEMA}
        return NOT_GIVEN


def user_prompt(previous: Summary | None, batch: Sequence[Segment]) -> str:
    """The bounded user message: the capped summary so far, then the capped new lines."""
    so_far = (
        json.dumps(summary_fields(previous), ensure_ascii=False)
        if previous is not None
        else "(none yet: the call has just started)"
    )
    lines = "\n".join(
        f"[{_ROLE_LABEL[s.role]}{' (on hold)' if s.on_hold else ''}] {_cap(s.text, MAX_LINE_CHARS)}"
        for s in batch
    )
    return f"Summary so far:\n{so_far}\n\nNew lines:\n{lines}\n\nReturn the updated summary JSON."


def summary_fields(summary: Summary) -> dict[str, Any]:
    """A summary's fields as the JSON the LLM reads and writes (capped)."""
    return {
        "reason": _cap(summary.reason, MAX_ITEM_CHARS),
        "facts": [_cap(f, MAX_ITEM_CHARS) for f in summary.facts[-MAX_ITEMS:]],
        "actions": [_cap(a, MAX_ITEM_CHARS) for a in summary.actions[-MAX_ITEMS:]],
        "next_steps": [_cap(n, MAX_ITEM_CHARS) for n in summary.next_steps[-MAX_ITEMS:]],
        "sentiment": summary.sentiment.value,
        "urgency": summary.urgency.value,
        "briefing": summary.briefing,
    }


_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_summary(content: str) -> dict[str, Any]:
    """The summary fields of an answer; SummarizerError if it holds no usable JSON object."""
    try:
        value = json.loads(content)
    except json.JSONDecodeError:
        found = _JSON_OBJECT.search(content)  # prose around the JSON
        try:
            value = json.loads(found.group(0)) if found else None
        except json.JSONDecodeError:
            value = None
    if not isinstance(value, dict):
        raise SummarizerError(f"the answer is not a JSON object: {content[:120]!r}")
    reason, briefing = value.get("reason"), value.get("briefing")
    if not isinstance(reason, str) or not isinstance(briefing, str):
        raise SummarizerError("the answer lacks a reason or a briefing string")
    if not reason.strip() and not briefing.strip():
        raise SummarizerError("the answer's reason and briefing are both empty")
    return value


def _summary(fields: dict[str, Any], covered_through_seq: int, name: str) -> Summary:
    return Summary(
        reason=_cap(fields["reason"].strip(), MAX_ITEM_CHARS),
        facts=_items(fields.get("facts")),
        actions=_items(fields.get("actions")),
        next_steps=_items(fields.get("next_steps")),
        sentiment=_enum(Sentiment, fields.get("sentiment"), Sentiment.UNSPECIFIED),
        urgency=_enum(Urgency, fields.get("urgency"), Urgency.UNSPECIFIED),
        briefing=cap_words(fields["briefing"].strip(), BRIEFING_MAX_WORDS),
        covered_through_seq=covered_through_seq,
        summarizer=name,
    )


def _items(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    items = [_cap(v.strip(), MAX_ITEM_CHARS) for v in value if isinstance(v, str) and v.strip()]
    return tuple(items[:MAX_ITEMS])


E = TypeVar("E", Sentiment, Urgency)


def _enum(kind: type[E], value: object, default: E) -> E:
    try:
        return kind(str(value).lower())
    except ValueError:
        return default


def cap_words(text: str, limit: int) -> str:
    """At most `limit` words, cut after the last full sentence that fits when there is one."""
    words = text.split()
    if len(words) <= limit:
        return text
    cut = " ".join(words[:limit])
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > len(cut) // 2 else cut + "…"


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _batches(segments: Sequence[Segment], max_chars: int) -> list[Sequence[Segment]]:
    batches: list[Sequence[Segment]] = []
    start, size = 0, 0
    for i, segment in enumerate(segments):
        length = min(len(segment.text), MAX_LINE_CHARS) + 16
        if i > start and size + length > max_chars:
            batches.append(segments[start:i])
            start, size = i, 0
        size += length
    batches.append(segments[start:])
    return batches
