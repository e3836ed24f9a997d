"""A transcript stream that reaches a replica other than its call's owner goes on to the owner,
so the call's redaction window (the names already found, the pseudonyms, the segments a later
one may still revise) stays on one replica with the rest of the call's work.

The replica that received the stream opens the same stream to the owner (at the address the
owner keeps with its leases, with a call token signed by the ingest secret the replicas share)
and passes the requests on and the acknowledgements back. It keeps the final segments the owner
has not acknowledged yet. If the owner cannot be reached, or goes away mid-stream (it died, or
stops), this replica takes the stream over from there: those segments first, then the rest, each
stored once whatever the owner had managed (the store is idempotent on seq). A call is never
refused for its owner being away; only its window starts afresh, as after a restart. An error
the owner gives about the data itself (a bad segment, a limit) ends the stream with that status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import grpc

from warmtransfer.server.errors import WarmTransferError
from warmtransfer.server.ingest import MAX_IN_FLIGHT, IngestStream
from warmtransfer.server.servicers.deps import Deps
from warmtransfer.v1 import transcript_service_pb2

__all__ = ["forwarded_acks"]

log = logging.getLogger(__name__)

Request = transcript_service_pb2.StreamTranscriptRequest
Response = transcript_service_pb2.StreamTranscriptResponse
# The owner is away (or on its way out): this replica takes the stream over.
_OWNER_AWAY = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.INTERNAL,
}
# The owner does not take this replica's token (the replicas do not share the ingest secret):
# a configuration error, logged; the stream is not refused for it.
_NOT_TRUSTED = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}


def _owners_error(exc: grpc.aio.AioRpcError) -> WarmTransferError:
    """The owner's status, as this replica's answer to the client."""
    code = exc.code()
    error_type = type("OwnersError", (WarmTransferError,), {"code": code, "reason": code.name})
    error: WarmTransferError = error_type(exc.details() or code.name)
    return error


async def forwarded_acks(
    deps: Deps,
    address: str,
    tenant_id: str,
    call_id: str,
    config: Request,
    requests: AsyncIterator[Request],
) -> AsyncIterator[Response]:
    """The stream's acknowledgements, from the owner at `address` while it answers, then from
    this replica (see the module doc)."""
    inbox: asyncio.Queue[Request | None] = asyncio.Queue(maxsize=MAX_IN_FLIGHT)

    async def read_client() -> None:  # the only reader of the client's stream
        try:
            async for request in requests:
                await inbox.put(request)
        except Exception:  # the client went away: its stream ends here
            log.debug("call %s: the forwarded stream's client went away", call_id)
        await inbox.put(None)  # waits for room, like every request before it

    unacknowledged: deque[Request] = deque()

    async def to_owner() -> AsyncIterator[Request]:
        yield config
        while (request := await inbox.get()) is not None:
            if request.WhichOneof("request") == "segment" and request.segment.is_final:
                unacknowledged.append(request)
            yield request
        inbox.put_nowait(None)  # the end stays in the inbox, for a take-over to see

    reader = asyncio.create_task(read_client(), name=f"forward-read-{call_id}")
    token = deps.ingest_tokens.mint(tenant_id, call_id)
    call: Any = None
    try:
        try:
            call = deps.owner_channels.stub(address).StreamTranscript(
                to_owner(), metadata=(("authorization", f"Bearer {token}"),)
            )
            async for ack in call:
                while unacknowledged and unacknowledged[0].segment.seq <= ack.acked_seq:
                    unacknowledged.popleft()
                yield ack
            return
        except grpc.aio.AioRpcError as exc:
            if exc.code() in _NOT_TRUSTED:
                log.error(
                    "call %s: its owner at %s refused this replica's call token (%s): the "
                    "replicas must share WARMTRANSFER_INGEST_SECRET; this replica takes the stream",
                    call_id,
                    address,
                    exc.code().name,
                )
            elif exc.code() not in _OWNER_AWAY:
                raise _owners_error(exc) from None
            else:
                log.warning(
                    "call %s: its owner at %s is away (%s); this replica takes the stream",
                    call_id,
                    address,
                    exc.code().name,
                )

        async def the_rest() -> AsyncIterator[Request]:
            for kept in list(unacknowledged):
                yield kept
            while (request := await inbox.get()) is not None:
                yield request

        async for ack in IngestStream(deps, tenant_id, call_id, the_rest()).acks():
            yield ack
    finally:
        if call is not None:
            call.cancel()  # a client gone mid-stream: the owner's side ends too
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
