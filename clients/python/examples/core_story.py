"""The core story, end to end, against a running server:

create a call, stream its transcript, watch the summary update, start a warm transfer and print
the briefing agent B gets, then search the customer's history.

    python clients/python/examples/core_story.py     # WARMTRANSFER_TARGET, WARMTRANSFER_API_KEY

Defaults: 127.0.0.1:50051 and the dev-mode key `dev` (what `make run` starts).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid

from warmtransfer.client import Client, stream_transcript, watch_call
from warmtransfer.v1 import (
    call_pb2,
    call_service_pb2,
    context_service_pb2,
    transcript_pb2,
    transfer_service_pb2,
)

CALLER, AGENT = transcript_pb2.SPEAKER_ROLE_CALLER, transcript_pb2.SPEAKER_ROLE_AGENT
SCRIPT = [
    (AGENT, "Thanks for calling Northwind Internet, this is Sam. How can I help?"),
    (CALLER, "Hi Sam, my internet keeps dropping every evening since last week."),
    (AGENT, "I'm sorry about that. When does it usually drop?"),
    (CALLER, "Around seven every night, and I work from home so it's really frustrating."),
    (AGENT, "I can see your modem lost its connection six times yesterday."),
    (CALLER, "Yes, and I already restarted the router twice."),
    (AGENT, "I've reset the line and pushed a firmware update to the modem."),
    (CALLER, "Okay, but I'd like to talk to someone about a credit for the outages."),
    (AGENT, "Sure, I'll bring in a colleague from billing who can help with that."),
]


def segments() -> list[transcript_pb2.TranscriptSegment]:
    out = []
    for seq, (role, text) in enumerate(SCRIPT, 1):
        segment = transcript_pb2.TranscriptSegment(
            seq=seq,
            speaker_identity="caller-1" if role == CALLER else "agent-a",
            speaker_role=role,
            text=text,
            is_final=True,
        )
        segment.start_offset.FromMilliseconds(seq * 4_000)
        segment.end_offset.FromMilliseconds(seq * 4_000 + 3_000)
        out.append(segment)
    return out


async def main() -> int:
    target = os.environ.get("WARMTRANSFER_TARGET", "127.0.0.1:50051")
    api_key = os.environ.get("WARMTRANSFER_API_KEY", "dev")
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    async with Client(target, api_key=api_key) as client:
        created = await client.calls.CreateCall(
            call_service_pb2.CreateCallRequest(customer_id=customer)
        )
        call_id = created.call.call_id
        print(f"call: {call_id} (customer {customer})")
        # The caller and agent A join the call's room with tokens the server issues.
        for identity, role in (
            ("caller-1", call_pb2.PARTICIPANT_ROLE_CALLER),
            ("agent-a", call_pb2.PARTICIPANT_ROLE_AGENT),
        ):
            await client.calls.IssueToken(
                call_service_pb2.IssueTokenRequest(call_id=call_id, identity=identity, role=role)
            )

        unacked = await stream_transcript(client, call_id, segments())
        print(f"streamed: {len(SCRIPT) - unacked} of {len(SCRIPT)} segments acknowledged")

        async for event in watch_call(client, call_id):
            if event.HasField("summary_updated") and event.summary_updated.summary.reason:
                covered = event.summary_updated.summary.covered_through_seq
                print(f"summary updated: covers through seq {covered}")
                break

        started = await client.transfers.StartTransfer(
            transfer_service_pb2.StartTransferRequest(
                call_id=call_id,
                from_identity="agent-a",
                to_identity="agent-b",
                reason="credit for the outages",
            )
        )
        briefing = started.briefing
        print(f"transfer: {started.transfer.transfer_id}")
        print(f"reason: {briefing.summary.reason}")
        print(f"briefing: {briefing.summary.briefing}")
        for line in briefing.pending_segments:
            print(f"pending: {line.text}")

        deadline = time.monotonic() + 60
        while True:
            found = await client.context.SearchContext(
                context_service_pb2.SearchContextRequest(
                    query="internet connection dropping at night", customer_id=customer, limit=3
                )
            )
            if found.snippets or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
        if not found.snippets:
            print("history: nothing indexed within 60 s", file=sys.stderr)
            return 1
        best = found.snippets[0]
        print(f"history: {best.text} (call {best.call_id}, score {best.score:.2f})")

        await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
        print("ended")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
