"""GetSummary over a scripted call: the summary names the reason and the open item."""

from __future__ import annotations

from tests.server.helpers import AGENT, CALLER, create_call, ingest, segment, wait_for_event
from warmtransfer.client import Client
from warmtransfer.demo import SCRIPT
from warmtransfer.v1 import summary_service_pb2

GetSummaryRequest = summary_service_pb2.GetSummaryRequest


async def test_summary_of_a_scripted_call(client: Client) -> None:
    call_id = await create_call(client)
    empty = await client.summaries.GetSummary(GetSummaryRequest(call_id=call_id))
    assert empty.summary.covered_through_seq == 0 and not empty.pending_segments

    requests = [segment(seq, text, role=role) for seq, (role, text) in enumerate(SCRIPT, 1)]
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
    assert summary.briefing and len(summary.briefing.split()) <= 60
    assert response.pending_segments == []
    assert summary.version >= 1


async def test_covered_seq_advances_and_pending_covers_the_rest(client: Client) -> None:
    call_id = await create_call(client)
    await ingest(client, call_id, [segment(1, "Hi, I was charged twice for my March bill.")])
    first = await wait_for_event(client, call_id, lambda e: e.HasField("summary_updated"))
    assert first.summary_updated.summary.covered_through_seq == 1
    # Ask right after new segments are acked: whatever the summary has not read is pending,
    # so summary + pending always covers everything said.
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
    assert covered >= 1
    assert [s.seq for s in response.pending_segments] == list(range(covered + 1, 5))
    await wait_for_event(
        client, call_id, lambda e: e.summary_updated.summary.covered_through_seq == 4
    )
    response = await client.summaries.GetSummary(GetSummaryRequest(call_id=call_id))
    assert response.summary.covered_through_seq == 4 and not response.pending_segments
    assert "refund" in " ".join(response.summary.actions).lower()
