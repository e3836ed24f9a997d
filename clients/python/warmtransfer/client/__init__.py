"""A small asyncio client for the Warm Transfer API: one channel, every stub, the API key sent.

    async with Client("127.0.0.1:50051", api_key="dev") as client:
        call = (await client.calls.CreateCall(CreateCallRequest(customer_id="cust-1"))).call

Richer helpers (retries, resumable WatchCall, re-sending ingest) arrive with the client work.
"""

from __future__ import annotations

from warmtransfer.client.aio import Client, auth_metadata

__all__ = ["Client", "auth_metadata"]
