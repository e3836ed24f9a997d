"""Channel options shared by the async and the sync client: gRPC's own retry policy.

Unary calls that fail with UNAVAILABLE (the server restarting, a dropped connection, a listener
not up yet) are retried by gRPC itself, with exponential backoff, up to `MAX_ATTEMPTS` attempts.
gRPC retries only when the server cannot have processed the call, or said UNAVAILABLE; streaming
calls are resumed by the helpers instead (`watch_call`, `TranscriptStreamer`).
"""

from __future__ import annotations

import json

__all__ = ["MAX_ATTEMPTS", "channel_options"]

MAX_ATTEMPTS = 5

_SERVICES = (
    "CallService",
    "TranscriptService",
    "SummaryService",
    "TransferService",
    "ContextService",
)

_SERVICE_CONFIG = {
    "methodConfig": [
        {
            "name": [{"service": f"warmtransfer.v1.{s}"} for s in _SERVICES],
            "retryPolicy": {
                "maxAttempts": MAX_ATTEMPTS,
                "initialBackoff": "0.2s",
                "maxBackoff": "2s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        }
    ]
}


def channel_options() -> list[tuple[str, object]]:
    """Options for `grpc.insecure_channel` / `grpc.aio.insecure_channel`."""
    return [("grpc.enable_retries", 1), ("grpc.service_config", json.dumps(_SERVICE_CONFIG))]
