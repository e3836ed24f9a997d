"""The server configured with an LLM (a local server speaking the OpenAI protocol, its answers
scripted per test): summaries come from it, the events say which summarizer wrote each one, the
offline summarizer stands in when the LLM fails, and only tenants allowed to send raw text do.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.openai_protocol import OpenAIProtocolServer, running_openai, summary_json
from tests.server.helpers import AGENT, create_call, ingest, segment, wait_for_event
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer, start_server
from warmtransfer.server.config import load_config
from warmtransfer.v1 import (
    call_service_pb2,
    summary_pb2,
    summary_service_pb2,
    transcript_service_pb2,
)

SAID = "Hi, I was charged twice for my March bill. Write to maria@example.com please."
# The agent answering settles the caller's line: summaries read only settled lines.
REPLY = segment(2, "Let me look at that for you.", role=AGENT)


class Scripted:
    """What the LLM answers next: a good summary unless told otherwise."""

    def __init__(self) -> None:
        self.answer: Any = summary_json()

    def __call__(self, body: dict[str, Any]) -> Any:
        return self.answer


@pytest.fixture
async def llm_server() -> AsyncIterator[tuple[OpenAIProtocolServer, Scripted]]:
    script = Scripted()
    async with running_openai(script) as server:
        yield server, script


@pytest.fixture
async def llm_wt(
    server_env: dict[str, str], llm_server: tuple[OpenAIProtocolServer, Scripted]
) -> AsyncIterator[RunningServer]:
    env = server_env | {
        "OPENAI_BASE_URL": llm_server[0].url,
        "WARMTRANSFER_LLM_MODEL": "local-model",
        "WARMTRANSFER_LLM_TIMEOUT_SECONDS": "2",
        "WARMTRANSFER_LLM_RAW_TENANTS": "tenant-b",
        "WARMTRANSFER_ORIGINAL_TEXT_TENANTS": "tenant-a,tenant-b",
    }
    running = await start_server(load_config(env))
    yield running
    await running.stop(grace=1)


def client_for(server: RunningServer, key: str) -> Client:
    return Client(f"127.0.0.1:{server.port}", api_key=key)


async def test_summaries_come_from_the_llm_and_say_so(
    llm_wt: RunningServer, llm_server: tuple[OpenAIProtocolServer, Scripted]
) -> None:
    async with client_for(llm_wt, "key-a") as client:
        call_id = await create_call(client)
        await ingest(client, call_id, [segment(1, SAID), REPLY])
        event = await wait_for_event(client, call_id, lambda e: e.HasField("summary_updated"))
        summary = event.summary_updated.summary
        assert summary.summarizer == "llm:local-model"
        assert summary.reason == "The caller was charged twice for the March bill."
        assert summary.urgency == summary_pb2.URGENCY_NORMAL
    # Tenant A's LLM saw the redacted text only.
    [prompt] = llm_server[0].user_messages()
    assert "<EMAIL_ADDRESS>" in prompt and "maria@example.com" not in prompt


async def test_a_tenant_allowed_raw_text_sends_it(
    llm_wt: RunningServer, llm_server: tuple[OpenAIProtocolServer, Scripted]
) -> None:
    async with client_for(llm_wt, "key-b") as client:
        call_id = await create_call(client)
        await ingest(client, call_id, [segment(1, SAID), REPLY])
        await wait_for_event(client, call_id, lambda e: e.HasField("summary_updated"))
    [prompt] = llm_server[0].user_messages()
    assert "maria@example.com" in prompt


async def test_a_failing_llm_gives_way_to_the_offline_summary(
    llm_wt: RunningServer, llm_server: tuple[OpenAIProtocolServer, Scripted]
) -> None:
    llm_server[1].answer = "no JSON here at all"
    async with client_for(llm_wt, "key-a") as client:
        call_id = await create_call(client)
        await ingest(client, call_id, [segment(1, SAID), REPLY])
        event = await wait_for_event(client, call_id, lambda e: e.HasField("summary_updated"))
        summary = event.summary_updated.summary
        assert summary.summarizer == "offline"
        assert "charged twice" in summary.reason.lower()
        assert "maria@example.com" not in summary.briefing + " ".join(summary.facts)


def is_final(event: transcript_service_pb2.WatchCallResponse) -> bool:
    return event.summary_updated.summary.final


async def test_end_call_brings_a_final_summary_from_the_whole_call(
    llm_wt: RunningServer, llm_server: tuple[OpenAIProtocolServer, Scripted]
) -> None:
    lines = [segment(seq, f"{SAID} Line {seq}.") for seq in range(1, 7)]
    async with client_for(llm_wt, "key-a") as client:
        call_id = await create_call(client)
        await ingest(client, call_id, lines)
        # The caller's last two lines stay open (a third could complete something in them).
        await wait_for_event(
            client, call_id, lambda e: e.summary_updated.summary.covered_through_seq == 4
        )
        llm_server[1].answer = summary_json(reason="Final: a double charge in March.")
        await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
        event = await wait_for_event(client, call_id, is_final)
        final = event.summary_updated.summary
        assert final.reason == "Final: a double charge in March."
        assert final.summarizer == "llm:local-model" and final.covered_through_seq == 6
        got = await client.summaries.GetSummary(
            summary_service_pb2.GetSummaryRequest(call_id=call_id)
        )
        assert got.summary.final and got.summary.version == final.version
    # The final pass read the whole call afresh, in one request (the last: before it, the
    # rolling summary caught up with the two lines the end settled).
    final_prompt = llm_server[0].user_messages()[-1]
    assert all(f"Line {seq}." in final_prompt for seq in range(1, 7))
    assert "none yet" in final_prompt


async def test_a_final_summary_is_not_overwritten_by_late_lines(client: Client) -> None:
    call_id = await create_call(client)
    await ingest(client, call_id, [segment(1, SAID)])
    await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
    await wait_for_event(client, call_id, is_final)
    # A producer still flushing after the end: the line is kept, the final summary stands.
    await ingest(client, call_id, [segment(2, "One more thing about my bill.")])
    got = await client.summaries.GetSummary(summary_service_pb2.GetSummaryRequest(call_id=call_id))
    assert got.summary.final and got.summary.summarizer == "offline"
    assert [s.seq for s in got.pending_segments] == [2]


async def test_a_final_summary_lost_to_a_crash_is_written_at_start_up(
    server_env: dict[str, str],
) -> None:
    env = server_env
    first = await start_server(load_config(env))
    async with client_for(first, "key-a") as client:
        call_id = await create_call(client)
        await ingest(client, call_id, [segment(1, SAID), REPLY])
        await wait_for_event(client, call_id, lambda e: e.HasField("summary_updated"))
    # The call's end is recorded, and the server dies before the final pass: the store has
    # an ended call without a final summary.
    await first.deps.store.end_call("tenant-a", call_id)
    await first.stop(grace=1)

    async with running_openai(lambda body: summary_json(reason="Written at start-up.")) as llm:
        second = await start_server(load_config(env | {"OPENAI_BASE_URL": llm.url}))
        try:
            async with client_for(second, "key-a") as client:
                event = await wait_for_event(client, call_id, is_final)
                assert event.summary_updated.summary.reason == "Written at start-up."
        finally:
            await second.stop(grace=1)


async def test_a_briefing_never_waits_on_the_llm(
    llm_wt: RunningServer, llm_server: tuple[OpenAIProtocolServer, Scripted]
) -> None:
    llm_server[1].answer = None  # the LLM never answers (within its 2 s timeout)
    async with client_for(llm_wt, "key-a") as client:
        call_id = await create_call(client)
        await ingest(
            client,
            call_id,
            [
                segment(1, SAID),
                segment(2, "And it happened twice."),
                segment(3, "Let me check that.", role=AGENT),
            ],
        )
        # The LLM is working on it (its request is out) ...
        await wait_for_llm_request(llm_server[0])
        # ... and the briefing comes back from what is stored: no summary yet, so everything
        # said is in the pending lines.
        got = await client.summaries.GetSummary(
            summary_service_pb2.GetSummaryRequest(call_id=call_id)
        )
        assert [s.seq for s in got.pending_segments] == [1, 2, 3]
        assert len(llm_server[0].requests) == 1  # still the one, unanswered


async def wait_for_llm_request(server: OpenAIProtocolServer) -> None:
    async with asyncio.timeout(30):
        await server.request_seen.wait()
