"""The LLM summarizer's wire path against a real OpenAI-compatible server: llama.cpp's, with
SmolLM2-135M-Instruct (a small instruction-tuned model; what is tested is the path, not the
wisdom: `make eval` scores what it writes).

llama.cpp's Python server refuses `response_format: json_schema` and takes the schema inside
`json_object` instead (as a grammar): the summarizer finds that out on its first request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.llama_server import MODEL_NAME, running_llama
from tests.pipeline.calls import load_calls
from warmtransfer.pipeline.summary.fallback import FallbackSummarizer
from warmtransfer.pipeline.summary.llm import BRIEFING_MAX_WORDS, LLMSettings, build_llm
from warmtransfer.pipeline.summary.model import Sentiment, SummarizerError, Urgency
from warmtransfer.pipeline.summary.offline import OfflineSummarizer

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

CALL = load_calls()[0]["segments"]


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def llama() -> AsyncIterator[str]:
    async with running_llama() as url:
        yield url


async def test_structured_output_comes_back_as_the_schema_asks(llama: str) -> None:
    summarizer = build_llm(LLMSettings(model=MODEL_NAME, base_url=llama, timeout_s=120))
    try:
        # Parsed as the schema's JSON (llama.cpp held the model to it as a grammar), or this
        # raises: the small model left to itself does not write that JSON (see the next test).
        summary = await summarizer.update(None, CALL)
        assert summarizer.structured == "json_object"  # json_schema was refused, then not asked
    finally:
        await summarizer.aclose()
    assert summary.summarizer == f"llm:{MODEL_NAME}"
    assert summary.covered_through_seq == CALL[-1].seq
    assert isinstance(summary.sentiment, Sentiment) and isinstance(summary.urgency, Urgency)
    assert len(summary.briefing.split()) <= BRIEFING_MAX_WORDS


async def test_without_structured_output_the_small_model_fails_and_offline_stands_in(
    llama: str,
) -> None:
    settings = LLMSettings(
        model=MODEL_NAME, base_url=llama, structured="none", max_output_tokens=64
    )
    summarizer = FallbackSummarizer(build_llm(settings), OfflineSummarizer())
    try:
        summary = await summarizer.update(None, CALL)
    finally:
        await summarizer.aclose()
    # Unguided and held to 64 tokens, the small model does not write the JSON asked for: that
    # is an unusable answer, and the offline summary stands in, saying so.
    assert summarizer.failures == 1
    assert summary.summarizer == "offline" and summary.reason


async def test_a_slow_answer_is_a_timeout(llama: str) -> None:
    summarizer = build_llm(LLMSettings(model=MODEL_NAME, base_url=llama, timeout_s=0.05))
    try:
        with pytest.raises(SummarizerError, match="no answer within"):
            await summarizer.update(None, CALL)
    finally:
        await summarizer.aclose()
