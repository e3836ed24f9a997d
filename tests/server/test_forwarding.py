"""A stream forwarded to its call's owner, against an owner that misbehaves on cue: a real server
receives the stream, and the owner it forwards to is a local gRPC server speaking the
TranscriptService protocol that refuses the stream only after reading all of it, or
acknowledges a few segments and then goes away. Either way the receiving server takes the
stream over: every segment is acknowledged once, in order, and what the owner did not
acknowledge is stored here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import pytest

from tests.server.helpers import create_call, ingest, segment
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer
from warmtransfer.v1 import transcript_service_pb2, transcript_service_pb2_grpc

Request = transcript_service_pb2.StreamTranscriptRequest
Response = transcript_service_pb2.StreamTranscriptResponse
Behaviour = Callable[[AsyncIterator[Request], Any], AsyncIterator[Response]]


class Owner(transcript_service_pb2_grpc.TranscriptServiceServicer):  # type: ignore[misc]
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.received: list[int] = []  # seqs of the final segments it read

    async def StreamTranscript(
        self, requests: AsyncIterator[Request], context: Any
    ) -> AsyncIterator[Response]:
        async for response in self.behaviour(self._noting(requests), context):
            yield response

    async def _noting(self, requests: AsyncIterator[Request]) -> AsyncIterator[Request]:
        async for request in requests:
            if request.WhichOneof("request") == "segment":
                self.received.append(request.segment.seq)
            yield request


async def refuses_after_reading_everything(
    requests: AsyncIterator[Request], context: Any
) -> AsyncIterator[Response]:
    async for _ in requests:
        pass
    await context.abort(grpc.StatusCode.UNAUTHENTICATED, "unknown API key")
    yield Response()  # never reached


async def acks_two_then_goes_away(
    requests: AsyncIterator[Request], context: Any
) -> AsyncIterator[Response]:
    acked = 0
    async for request in requests:
        if request.WhichOneof("request") == "segment":
            yield Response(acked_seq=request.segment.seq)
            acked += 1
            if acked == 2:
                await context.abort(grpc.StatusCode.UNAVAILABLE, "shutting down")


async def owned_elsewhere(
    server: RunningServer, behaviour: Behaviour
) -> tuple[grpc.aio.Server, Owner, Callable[[str], Awaitable[None]]]:
    owner = Owner(behaviour)
    fake = grpc.aio.server()
    transcript_service_pb2_grpc.add_TranscriptServiceServicer_to_server(owner, fake)
    port = fake.add_insecure_port("127.0.0.1:0")
    await fake.start()

    async def make_owner(call_id: str) -> None:
        epoch = await server.deps.store.acquire_call(
            call_id, "r-elsewhere", lease_s=600, address=f"127.0.0.1:{port}"
        )
        assert epoch == 1

    return fake, owner, make_owner


@pytest.mark.parametrize(
    ("behaviour", "stored_here"),
    [
        (refuses_after_reading_everything, [1, 2, 3, 4, 5, 6]),
        # What the owner acknowledged is the owner's (a real one has stored it): not resent.
        (acks_two_then_goes_away, [3, 4, 5, 6]),
    ],
)
async def test_the_receiving_replica_takes_the_stream_when_the_owner_fails_it(
    server: RunningServer, client: Client, behaviour: Behaviour, stored_here: list[int]
) -> None:
    fake, owner, make_owner = await owned_elsewhere(server, behaviour)
    try:
        call_id = await create_call(client)
        await make_owner(call_id)
        sent = [segment(seq) for seq in range(1, 7)]
        acked = await asyncio.wait_for(ingest(client, call_id, sent), 60)
        assert acked == [1, 2, 3, 4, 5, 6]  # each once, in order
        assert owner.received[:2] == [1, 2]  # it was forwarded to the owner first
        got = await client.transcripts.GetTranscript(
            transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
        )
        assert [s.seq for s in got.segments] == stored_here
    finally:
        await fake.stop(None)
