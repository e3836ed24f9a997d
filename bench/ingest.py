"""Ingest throughput: final segments per second into one server process, over 100 concurrent
streams, each segment acknowledged only after it is committed (WAL, synchronous=FULL).

    python -m bench.ingest [--streams 100] [--segments 300]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator

from bench.common import API_KEY, config, script_segment, server_process, tree_usage
from warmtransfer.client import Client
from warmtransfer.v1 import call_service_pb2, transcript_service_pb2


async def one_stream(client: Client, call_id: str, segments: int) -> int:
    async def requests() -> AsyncIterator[transcript_service_pb2.StreamTranscriptRequest]:
        yield config(call_id)
        for seq in range(1, segments + 1):
            yield script_segment(seq)

    acked = 0
    async for _ in client.transcripts.StreamTranscript(requests()):
        acked += 1
    return acked


async def main(streams: int, segments: int) -> None:
    async with server_process() as server, Client(server.target, api_key=API_KEY) as client:
        calls = [
            (
                await client.calls.CreateCall(
                    call_service_pb2.CreateCallRequest(customer_id=f"c{i}")
                )
            ).call.call_id
            for i in range(streams)
        ]
        cpu_before = tree_usage(server.pid)[0]
        started = time.perf_counter()
        acked = await asyncio.gather(*(one_stream(client, c, segments) for c in calls))
        elapsed = time.perf_counter() - started
        cpu = tree_usage(server.pid)[0] - cpu_before
        total = sum(acked)
        assert total == streams * segments, (total, streams * segments)
        check = await client.transcripts.GetTranscript(
            transcript_service_pb2.GetTranscriptRequest(call_id=calls[0])
        )
        assert len(check.segments) == segments
    print(
        f"ingest: {streams} streams x {segments} final segments = {total} acked in {elapsed:.2f} s"
    )
    print(
        f"ingest: {total / elapsed:,.0f} segments/s; server CPU (with its workers) {cpu:.1f} s "
        f"({cpu / elapsed * 100:.0f}% of one core); {cpu / total * 1e6:.0f} us CPU per segment"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--segments", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main(args.streams, args.segments))
