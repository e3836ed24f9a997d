"""Small builders for test requests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable

from warmtransfer.client import Client
from warmtransfer.v1 import call_service_pb2, transcript_pb2, transcript_service_pb2

CALLER = transcript_pb2.SPEAKER_ROLE_CALLER
AGENT = transcript_pb2.SPEAKER_ROLE_AGENT
Request = transcript_service_pb2.StreamTranscriptRequest


async def create_call(client: Client, customer_id: str = "cust-1") -> str:
    response = await client.calls.CreateCall(
        call_service_pb2.CreateCallRequest(customer_id=customer_id)
    )
    return str(response.call.call_id)


def config(call_id: str) -> Request:
    return Request(config=transcript_service_pb2.StreamTranscriptConfig(call_id=call_id))


def segment(
    seq: int, text: str | None = None, *, role: int = CALLER, final: bool = True
) -> Request:
    return Request(
        segment=transcript_pb2.TranscriptSegment(
            seq=seq,
            speaker_identity="caller-1" if role == CALLER else "agent-1",
            speaker_role=role,  # type: ignore[arg-type]
            text=f"utterance number {seq}" if text is None else text,
            is_final=final,
        )
    )


async def requests_of(items: Iterable[Request]) -> AsyncIterator[Request]:
    for item in items:
        yield item


async def ingest(client: Client, call_id: str, segments: Iterable[Request]) -> list[int]:
    """Stream config + segments, return the acked seqs in order."""
    stream = client.transcripts.StreamTranscript(requests_of([config(call_id), *segments]))
    return [response.acked_seq async for response in stream]


async def wait_for_event(
    client: Client,
    call_id: str,
    predicate: Callable[[transcript_service_pb2.WatchCallResponse], bool],
    *,
    timeout: float = 30.0,
) -> transcript_service_pb2.WatchCallResponse:
    """Watch the call from its first event; return the first event that satisfies `predicate`."""

    async def first_match() -> transcript_service_pb2.WatchCallResponse:
        request = transcript_service_pb2.WatchCallRequest(call_id=call_id)
        async for event in client.transcripts.WatchCall(request):
            if predicate(event):
                found: transcript_service_pb2.WatchCallResponse = event
                return found
        raise AssertionError("the watch ended before the expected event")

    event: transcript_service_pb2.WatchCallResponse = await asyncio.wait_for(first_match(), timeout)
    return event
