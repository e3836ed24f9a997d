"""The LLM summarizer over the OpenAI chat-completions protocol, against a local server whose
answers each test scripts (good JSON, prose, garbage, errors, silence), and its fallback to the
offline summarizer."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.openai_protocol import running_openai, summary_json
from warmtransfer.pipeline.summary.fallback import FallbackSummarizer
from warmtransfer.pipeline.summary.llm import (
    BRIEFING_MAX_WORDS,
    SUMMARY_SCHEMA,
    LLMSettings,
    LLMSummarizer,
    build_llm,
)
from warmtransfer.pipeline.summary.model import (
    Role,
    Segment,
    Sentiment,
    SummarizerError,
    Urgency,
)
from warmtransfer.pipeline.summary.offline import OfflineSummarizer

LINES = [
    Segment(1, Role.CALLER, "Hi, I was charged twice for my March bill."),
    Segment(2, Role.AGENT, "I can see the duplicate charge. I will ask billing to refund it."),
    Segment(3, Role.CALLER, "Thank you. My email is <EMAIL_ADDRESS> for the receipt."),
]


@contextlib.asynccontextmanager
async def llm(url: str, **settings: Any) -> AsyncIterator[LLMSummarizer]:
    summarizer = build_llm(LLMSettings(model="test-model", base_url=url, **settings))
    try:
        yield summarizer
    finally:
        await summarizer.aclose()


async def test_the_request_and_the_summary() -> None:
    async with running_openai() as server, llm(server.url) as summarizer:
        summary = await summarizer.update(None, LINES)
    [body] = server.requests
    assert body["model"] == "test-model" and body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == SUMMARY_SCHEMA
    assert body["max_tokens"] > 0
    [prompt] = server.user_messages()
    assert "[caller] Hi, I was charged twice" in prompt and "<EMAIL_ADDRESS>" in prompt
    assert summary.reason == "The caller was charged twice for the March bill."
    assert summary.next_steps == ("Billing to refund the duplicate",)
    assert summary.sentiment == Sentiment.NEGATIVE and summary.urgency == Urgency.NORMAL
    assert summary.covered_through_seq == 3
    assert summary.summarizer == "llm:test-model"


async def test_updates_send_the_previous_summary_and_only_the_new_lines() -> None:
    async with running_openai() as server, llm(server.url) as summarizer:
        first = await summarizer.update(None, LINES[:2])
        await summarizer.update(first, LINES[2:])
    second = server.user_messages()[1]
    assert json.dumps(first.reason) in second  # the summary so far, as JSON
    assert "charged twice for my March bill." not in second  # not the old lines again
    assert "My email is <EMAIL_ADDRESS>" in second


async def test_prompts_stay_bounded_however_much_is_new() -> None:
    long_call = [Segment(i, Role.CALLER, "word " * 400) for i in range(1, 101)]
    async with running_openai() as server, llm(server.url) as summarizer:
        summary = await summarizer.update(None, long_call)
    assert len(server.requests) > 1
    assert max(len(m) for m in server.user_messages()) < 10_000
    assert summary.covered_through_seq == 100


async def test_the_briefing_is_capped_at_its_word_limit() -> None:
    rambling = " ".join(f"Sentence number {i} says a little more." for i in range(40))
    async with (
        running_openai(lambda body: summary_json(briefing=rambling)) as server,
        llm(server.url) as summarizer,
    ):
        summary = await summarizer.update(None, LINES)
    assert len(summary.briefing.split()) <= BRIEFING_MAX_WORDS
    assert summary.briefing.endswith(".")


@pytest.mark.parametrize(
    ("structured", "answer"),
    [
        ("json_object", summary_json()),
        ("none", "Sure! Here is the summary:\n" + summary_json() + "\nHope it helps."),
    ],
)
async def test_without_structured_output_the_json_is_found(structured: str, answer: str) -> None:
    async with (
        running_openai(lambda body: answer) as server,
        llm(server.url, structured=structured) as summarizer,
    ):
        summary = await summarizer.update(None, LINES)
    body = server.requests[0]
    if structured == "none":
        assert "response_format" not in body
        assert '"briefing"' in body["messages"][0]["content"]  # the schema, in the prompt
    else:
        assert body["response_format"] == {"type": "json_object", "schema": SUMMARY_SCHEMA}
    assert summary.reason.startswith("The caller was charged twice")


@pytest.mark.parametrize(
    "answer",
    [
        "I am a small model and I like trains.",
        "[1, 2, 3]",
        json.dumps({"facts": ["no reason, no briefing"]}),
        json.dumps({"reason": "", "briefing": ""}),
        '{"reason": "cut off mid-',
        500,
        429,
    ],
)
async def test_unusable_answers_are_errors(answer: object) -> None:
    async with running_openai(lambda body: answer) as server, llm(server.url) as summarizer:
        with pytest.raises(SummarizerError):
            await summarizer.update(None, LINES)


async def test_no_answer_in_time_is_an_error() -> None:
    async with (
        running_openai(lambda body: None) as server,
        llm(server.url, timeout_s=0.5) as summarizer,
    ):
        with pytest.raises(SummarizerError, match=r"no answer within 0\.5 s"):
            await summarizer.update(None, LINES)


async def test_odd_enum_values_and_list_items_are_tolerated() -> None:
    answer = summary_json(sentiment="FURIOUS", urgency="HIGH", facts=["ok", 3, "", None])
    async with running_openai(lambda body: answer) as server, llm(server.url) as summarizer:
        summary = await summarizer.update(None, LINES)
    assert summary.sentiment == Sentiment.UNSPECIFIED and summary.urgency == Urgency.HIGH
    assert summary.facts == ("ok",)


async def test_fallback_stands_in_when_the_llm_fails_then_rests_it() -> None:
    answers = iter(["garbage", summary_json()])
    async with running_openai(lambda body: next(answers)) as server, llm(server.url) as model:
        summarizer = FallbackSummarizer(model, OfflineSummarizer(), cooldown_s=3600)
        first = await summarizer.update(None, LINES[:2])
        second = await summarizer.update(first, LINES[2:])
    assert first.summarizer == "offline" and "charged twice" in first.reason.lower()
    assert second.summarizer == "offline"  # resting: the LLM was not asked again
    assert len(server.requests) == 1 and summarizer.failures == 1
    assert second.covered_through_seq == 3


async def test_fallback_uses_the_llm_when_it_works_and_keeps_both_memories() -> None:
    async with running_openai() as server, llm(server.url) as model:
        summarizer = FallbackSummarizer(model, OfflineSummarizer())
        first = await summarizer.update(None, LINES[:2])
        second = await summarizer.update(first, LINES[2:])
    assert first.summarizer == second.summarizer == "llm:test-model"
    # The offline summarizer kept its memory through both updates: alone, from the same state,
    # it continues exactly as if it had run by itself.
    offline = OfflineSummarizer()
    alone = await offline.update(await offline.update(None, LINES[:2]), LINES[2:])
    async with llm("http://127.0.0.1:9/v1") as unreachable:
        server_down = FallbackSummarizer(unreachable, OfflineSummarizer())
        continued = await server_down.update(second, [Segment(4, Role.AGENT, "Anything else?")])
    expected = await offline.update(alone, [Segment(4, Role.AGENT, "Anything else?")])
    assert continued.summarizer == "offline"
    assert continued.reason == expected.reason and continued.facts == expected.facts


async def test_a_server_refusing_a_response_format_is_asked_the_next_way() -> None:
    def answer(body: dict[str, Any]) -> Any:
        kind = body.get("response_format", {}).get("type")
        return 400 if kind == "json_schema" else summary_json()

    async with running_openai(answer) as server, llm(server.url) as summarizer:
        server.error_message = "response_format: Input should be 'text' or 'json_object'"
        summary = await summarizer.update(None, LINES)
        await summarizer.update(summary, LINES[2:])
    kinds = [body.get("response_format", {}).get("type") for body in server.requests]
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert summarizer.structured == "json_object"
