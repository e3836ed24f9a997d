"""The Python client for the Warm Transfer API.

    async with Client("127.0.0.1:50051", api_key="dev") as client:
        call = (await client.calls.CreateCall(CreateCallRequest(customer_id="cust-1"))).call
        await stream_transcript(client, call.call_id, segments)
        async for event in watch_call(client, call.call_id):
            ...

- `Client` (asyncio) and `SyncClient` (blocking): every service's stub over one channel that
  sends the API key; unary calls are retried on UNAVAILABLE with backoff (gRPC's retry policy).
- `watch_call` / `SyncClient.watch_call`: a call's events, resumed from the last cursor after a
  dropped stream, with no gap and no repeat.
- `TranscriptStreamer` / `stream_transcript`: a call's segments into `StreamTranscript`, the
  unacknowledged re-sent after a reconnect.

The generated messages and stubs are in `warmtransfer.v1`. A runnable example of the whole story
is `clients/python/examples/core_story.py`.
"""

from __future__ import annotations

from warmtransfer.client.aio import Client, auth_metadata
from warmtransfer.client.ingest import TranscriptStreamer, stream_transcript
from warmtransfer.client.sync import SyncClient
from warmtransfer.client.watch import watch_call

__all__ = [
    "Client",
    "SyncClient",
    "TranscriptStreamer",
    "auth_metadata",
    "stream_transcript",
    "watch_call",
]
