"""`watch_call`: a call's events, resumed from the last cursor after a dropped stream.

    async for event in watch_call(client, call_id):
        if event.HasField("summary_updated"):
            print(event.summary_updated.summary.briefing)

The server gives every stored event a cursor and replays everything after the cursor a watch
names, so a watch that reconnects from the last cursor it saw misses nothing and repeats
nothing. Interim segments are live only: those sent while disconnected are not replayed (the
final segment that replaces them is). The iteration ends when the server ends the stream (the
call ended and its final summary was sent), or raises what reconnecting cannot help.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import grpc

from warmtransfer.client.aio import Client
from warmtransfer.v1 import transcript_service_pb2

__all__ = ["RESUMABLE", "watch_call"]

RESUMABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL})
"""Codes after which the watch reconnects (the server restarted, the connection dropped)."""


async def watch_call(
    client: Client,
    call_id: str,
    *,
    after_cursor: str = "",
    live_only: bool = False,
    min_backoff: float = 0.2,
    max_backoff: float = 2.0,
    max_reconnects: int | None = None,
) -> AsyncGenerator[transcript_service_pb2.WatchCallResponse, None]:
    """Every event of `call_id` after `after_cursor` (or, with `live_only`, from now on)."""
    cursor = after_cursor
    backoff = min_backoff
    reconnects = 0
    while True:
        request = transcript_service_pb2.WatchCallRequest(
            call_id=call_id, after_cursor=cursor, live_only=live_only and not cursor
        )
        stream = client.transcripts.WatchCall(request)
        try:
            async for event in stream:
                if not event.HasField("segment_interim"):  # interims carry no cursor of their own
                    cursor = event.cursor
                backoff = min_backoff
                yield event
            return
        except grpc.aio.AioRpcError as exc:
            if exc.code() not in RESUMABLE:
                raise
            reconnects += 1
            if max_reconnects is not None and reconnects > max_reconnects:
                raise
        finally:
            stream.cancel()
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, max_backoff)
