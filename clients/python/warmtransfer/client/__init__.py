"""A small asyncio client for the Warm Transfer API: one channel, every stub, the API key sent.

    async with Client("127.0.0.1:50051", api_key="dev") as client:
        call = (await client.calls.CreateCall(CreateCallRequest(customer_id="cust-1"))).call

`TranscriptStreamer` streams a call's segments and re-sends the unacknowledged after a
reconnect. Retries and a resumable WatchCall arrive with the client work.
"""

from __future__ import annotations

from warmtransfer.client.aio import Client, auth_metadata
from warmtransfer.client.ingest import TranscriptStreamer

__all__ = ["Client", "TranscriptStreamer", "auth_metadata"]
