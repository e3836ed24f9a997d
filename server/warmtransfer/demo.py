"""`warmtransfer demo`: a scripted support call, driven through a running server.

It creates a call, streams the transcript in as a speech-to-text worker would, watches the call
(transcript lines and summary updates appear live), then prints the briefing a receiving agent
would get at transfer time.
"""

from __future__ import annotations

import asyncio
import contextlib
import textwrap
from collections.abc import AsyncIterator

import grpc

from warmtransfer.client import Client
from warmtransfer.v1 import (
    call_pb2,
    call_service_pb2,
    summary_service_pb2,
    transcript_pb2,
    transcript_service_pb2,
)

__all__ = ["SCRIPT", "run_demo"]

CALLER, AGENT = transcript_pb2.SPEAKER_ROLE_CALLER, transcript_pb2.SPEAKER_ROLE_AGENT
SCRIPT: tuple[tuple[int, str], ...] = (
    (AGENT, "Thank you for calling Northwind Internet, this is Sam. How can I help you today?"),
    (CALLER, "Hi Sam, my name is Maria Lopez. My internet keeps dropping every evening."),
    (
        CALLER,
        "It's been happening for about a week and I work from home, so this is really frustrating.",
    ),
    (AGENT, "I'm sorry to hear that. Can I have your account number please?"),
    (CALLER, "Sure, it's 4415 2290 7731."),
    (AGENT, "Thanks Maria. I can see your modem lost its connection six times yesterday."),
    (CALLER, "Yes, and I already restarted the router twice."),
    (AGENT, "I've reset your line from our side and pushed a firmware update to the modem."),
    (AGENT, "I'll also book a technician visit for Thursday morning to check the wiring."),
    (CALLER, "Okay. Can I get a credit for the days it was down?"),
    (AGENT, "That needs our billing team, so I'm going to transfer you to a billing specialist."),
)


async def run_demo(target: str, *, api_key: str, pace: float) -> int:
    async with Client(target, api_key=api_key) as client:
        try:
            created = await client.calls.CreateCall(
                call_service_pb2.CreateCallRequest(
                    customer_id="cust-demo-1", metadata={"queue": "tech-support"}
                )
            )
        except grpc.aio.AioRpcError as exc:
            print(f"cannot reach the server at {target}: {exc.code().name}: {exc.details()}")
            print("start it first with: make run")
            return 1
        call = created.call
        print(f"call {call.call_id} created (room {call.room_name})\n")
        watcher = asyncio.create_task(_watch(client, call.call_id))
        acks = 0
        stream = client.transcripts.StreamTranscript(_segments(call.call_id, pace))
        async for _ack in stream:
            acks += 1
        await asyncio.sleep(0)  # let the watcher print the last line
        summary = await client.summaries.GetSummary(
            summary_service_pb2.GetSummaryRequest(call_id=call.call_id)
        )
        s = summary.summary
        print("\n=== Briefing for the receiving agent ===")
        print(textwrap.fill(s.briefing or "(no summary yet)", width=88))
        print(f"\nreason:     {s.reason}")
        for label, items in (("facts", s.facts), ("actions", s.actions), ("open", s.next_steps)):
            for i, item in enumerate(items):
                print(f"{label + ':' if i == 0 else '':<12}{item}")
        if summary.pending_segments:
            print("\nsaid since the summary was refreshed:")
            for seg in summary.pending_segments:
                print(f"  [{seg.seq:>2}] {_who(seg.speaker_role)}: {seg.text}")
        print(
            f"\nthe summary covers segments 1-{s.covered_through_seq}; "
            f"{len(summary.pending_segments)} newer segment(s) shown as said; {acks} acks received"
        )
        await client.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call.call_id))
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(watcher, timeout=15)
    return 0


async def _segments(
    call_id: str, pace: float
) -> AsyncIterator[transcript_service_pb2.StreamTranscriptRequest]:
    yield transcript_service_pb2.StreamTranscriptRequest(
        config=transcript_service_pb2.StreamTranscriptConfig(call_id=call_id)
    )
    clock = 0.0
    for seq, (role, text) in enumerate(SCRIPT, start=1):
        await asyncio.sleep(pace)
        segment = transcript_pb2.TranscriptSegment(
            seq=seq,
            speaker_identity="maria" if role == CALLER else "agent-sam",
            speaker_role=role,  # type: ignore[arg-type]
            text=text,
            is_final=True,
        )
        segment.start_offset.FromMilliseconds(int(clock * 1000))
        clock += 2 + len(text) / 15
        segment.end_offset.FromMilliseconds(int(clock * 1000))
        yield transcript_service_pb2.StreamTranscriptRequest(segment=segment)


async def _watch(client: Client, call_id: str) -> None:
    events = client.transcripts.WatchCall(transcript_service_pb2.WatchCallRequest(call_id=call_id))
    async for event in events:
        kind = event.WhichOneof("event")
        if kind == "segment_added":
            seg = event.segment_added.segment
            print(f"  [{seg.seq:>2}] {_who(seg.speaker_role)}: {seg.text}")
        elif kind == "summary_updated":
            s = event.summary_updated.summary
            print(f"      ~ summary v{s.version} (through {s.covered_through_seq}): {s.reason}")
        elif kind == "call_state_changed":
            state = event.call_state_changed.call.state
            print(f"      * call is now {call_pb2.CallState.Name(state)}")


def _who(role: int) -> str:
    return "caller" if role == CALLER else "agent "
