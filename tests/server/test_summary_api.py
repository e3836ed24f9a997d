"""GetSummary over a scripted call: the summary names the reason and the open item."""

from __future__ import annotations

import asyncio

from tests.server.helpers import AGENT, CALLER, create_call, ingest, segment, wait_for_event
from warmtransfer.client import Client
from warmtransfer.demo import SCRIPT
from warmtransfer.pipeline.summary.model import BRIEFING_MAX_WORDS
from warmtransfer.v1 import (
    call_service_pb2,
    summary_service_pb2,
    transcript_service_pb2,
)
from warmtransfer.v1.transcript_service_pb2 import WatchCallRequest

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")

GetSummaryRequest = summary_service_pb2.GetSummaryRequest


async def test_summary_of_a_scripted_call(client: Client) -> None:
    call_id = await create_call(client)
    empty = await client.summaries.GetSummary(GetSummaryRequest(call_id=call_id))
    assert empty.summary.covered_through_seq == 0 and not empty.pending_segments

    requests = [segment(seq, text, role=role) for seq, (role, text) in enumerate(SCRIPT, 1)]
    # One more line of the other party settles the script's last line (see the test below).
    other = AGENT if SCRIPT[-1][0] == CALLER else CALLER
    requests.append(segment(len(SCRIPT) + 1, "Is there anything else I can do?", role=other))
    await ingest(client, call_id, requests)
    last = len(SCRIPT)
    await wait_for_event(
        client, call_id, lambda e: e.summary_updated.summary.covered_through_seq == last
    )
    response = await client.summaries.GetSummary(GetSummaryRequest(call_id=call_id))
    summary = response.summary
    assert summary.summarizer == "offline"
    assert "internet" in summary.reason.lower() and "drop" in summary.reason.lower()
    open_items = " ".join(summary.next_steps).lower()
    assert "technician" in open_items or "billing" in open_items
    assert summary.briefing and len(summary.briefing.split()) <= BRIEFING_MAX_WORDS
    assert [s.seq for s in response.pending_segments] == [last + 1]
    assert summary.version >= 1


async def test_covered_seq_advances_and_pending_covers_the_rest(client: Client) -> None:
    call_id = await create_call(client)
    await ingest(client, call_id, [segment(1, "Hi, I was charged twice for my March bill.")])
    # Not settled yet: the caller's next line could complete something in it. Summary and
    # pending together always cover everything said.
    response = await client.summaries.GetSummary(GetSummaryRequest(call_id=call_id))
    assert response.summary.covered_through_seq == 0
    assert [s.seq for s in response.pending_segments] == [1]
    await ingest(
        client,
        call_id,
        [
            segment(2, "I can see the duplicate charge of $49.99.", role=AGENT),
            segment(3, "I have issued a refund for it.", role=AGENT),
            segment(4, "Thanks, when will I see it?", role=CALLER),
        ],
    )
    response = await client.summaries.GetSummary(GetSummaryRequest(call_id=call_id))
    covered = response.summary.covered_through_seq
    assert [s.seq for s in response.pending_segments] == list(range(covered + 1, 5))
    # The agent spoke after line 1 and the caller after line 3: 1-3 are settled, 4 is not.
    await wait_for_event(
        client, call_id, lambda e: e.summary_updated.summary.covered_through_seq == 3
    )
    response = await client.summaries.GetSummary(GetSummaryRequest(call_id=call_id))
    assert response.summary.covered_through_seq == 3
    assert [s.seq for s in response.pending_segments] == [4]
    assert "refund" in " ".join(response.summary.actions).lower()


async def test_no_summary_holds_what_a_later_line_turns_into_personal_data(
    client: Client,
) -> None:
    """ "my card is 4111 1111" alone looks like a number; the next line makes it a card. The
    summary reads a line only once no later line can change its redaction."""
    call_id = await create_call(client)
    summaries: list[str] = []

    async def collect() -> None:
        async for event in client.transcripts.WatchCall(WatchCallRequest(call_id=call_id)):
            if event.HasField("summary_updated"):
                summary = event.summary_updated.summary
                summaries.append(" ".join([summary.reason, *summary.facts, summary.briefing]))

    watcher = asyncio.create_task(collect())
    await ingest(
        client,
        call_id,
        [
            segment(1, "I need to update the card on file.", role=CALLER),
            segment(2, "Sure, what's the new card number?", role=AGENT),
            segment(3, "The new card is 4111", role=CALLER),
        ],
    )
    # A refresh now reads what is settled (lines 1 and 2); line 3 waits.
    await wait_for_event(
        client, call_id, lambda e: e.summary_updated.summary.covered_through_seq >= 2
    )
    await ingest(
        client,
        call_id,
        [
            segment(4, "1111 1111 1111 and it expires in May.", role=CALLER),
            segment(5, "Thank you, I have updated the card.", role=AGENT),
        ],
    )
    await wait_for_event(
        client, call_id, lambda e: e.summary_updated.summary.covered_through_seq >= 4
    )
    await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
    await asyncio.wait_for(watcher, 30)  # the watch ends after the final summary
    transcript = await client.transcripts.GetTranscript(
        transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
    )
    assert transcript.segments[2].text == "The new card is <CREDIT_CARD>"  # revised by line 4
    assert summaries and all("4111" not in text for text in summaries), summaries
