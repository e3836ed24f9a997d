"""The blocking client, for scripts and code without asyncio (a CRM job, a notebook).

    with SyncClient("127.0.0.1:50051", api_key="dev") as client:
        call = client.calls.CreateCall(CreateCallRequest(customer_id="cust-1")).call
        for event in client.watch_call(call.call_id):
            ...

The same stubs, API key and retry policy as the asyncio `Client`; `watch_call` resumes from the
last cursor after a dropped stream, as `warmtransfer.client.watch.watch_call` does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

import grpc

from warmtransfer.client.aio import auth_metadata
from warmtransfer.client.options import channel_options
from warmtransfer.client.watch import RESUMABLE
from warmtransfer.v1 import (
    call_service_pb2_grpc,
    context_service_pb2_grpc,
    summary_service_pb2_grpc,
    transcript_service_pb2,
    transcript_service_pb2_grpc,
    transfer_service_pb2_grpc,
)

__all__ = ["SyncClient"]


class _Auth(
    grpc.UnaryUnaryClientInterceptor,  # type: ignore[misc]
    grpc.UnaryStreamClientInterceptor,  # type: ignore[misc]
    grpc.StreamUnaryClientInterceptor,  # type: ignore[misc]
    grpc.StreamStreamClientInterceptor,  # type: ignore[misc]
):
    """Adds `authorization: Bearer <key>` to every call."""

    def __init__(self, api_key: str) -> None:
        self._metadata = auth_metadata(api_key)

    def _with_key(self, details: Any) -> Any:
        return _Details(
            details.method,
            details.timeout,
            tuple(details.metadata or ()) + self._metadata,
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: Any, request: Any
    ) -> Any:
        return continuation(self._with_key(details), request)

    def intercept_unary_stream(
        self, continuation: Callable[..., Any], details: Any, request: Any
    ) -> Any:
        return continuation(self._with_key(details), request)

    def intercept_stream_unary(
        self, continuation: Callable[..., Any], details: Any, requests: Any
    ) -> Any:
        return continuation(self._with_key(details), requests)

    def intercept_stream_stream(
        self, continuation: Callable[..., Any], details: Any, requests: Any
    ) -> Any:
        return continuation(self._with_key(details), requests)


class _Details(grpc.ClientCallDetails):  # type: ignore[misc]
    def __init__(
        self,
        method: str,
        timeout: float | None,
        metadata: Any,
        credentials: Any,
        wait_for_ready: bool | None,
        compression: Any,
    ) -> None:
        self.method = method
        self.timeout = timeout
        self.metadata = metadata
        self.credentials = credentials
        self.wait_for_ready = wait_for_ready
        self.compression = compression


class SyncClient:
    """Stubs for the five services over one authenticated, blocking channel."""

    def __init__(self, target: str, *, api_key: str) -> None:
        self._raw = grpc.insecure_channel(target, options=channel_options())
        self.channel = grpc.intercept_channel(self._raw, _Auth(api_key))
        self.calls = call_service_pb2_grpc.CallServiceStub(self.channel)
        self.transcripts = transcript_service_pb2_grpc.TranscriptServiceStub(self.channel)
        self.summaries = summary_service_pb2_grpc.SummaryServiceStub(self.channel)
        self.transfers = transfer_service_pb2_grpc.TransferServiceStub(self.channel)
        self.context = context_service_pb2_grpc.ContextServiceStub(self.channel)

    def watch_call(
        self,
        call_id: str,
        *,
        after_cursor: str = "",
        min_backoff: float = 0.2,
        max_backoff: float = 2.0,
        max_reconnects: int | None = None,
    ) -> Iterator[transcript_service_pb2.WatchCallResponse]:
        """Every event of `call_id` after `after_cursor`, reconnecting from the last cursor."""
        cursor, backoff, reconnects = after_cursor, min_backoff, 0
        while True:
            request = transcript_service_pb2.WatchCallRequest(call_id=call_id, after_cursor=cursor)
            stream = self.transcripts.WatchCall(request)
            try:
                for event in stream:
                    if not event.HasField("segment_interim"):
                        cursor = event.cursor
                    backoff = min_backoff
                    yield event
                return
            except grpc.RpcError as exc:
                if exc.code() not in RESUMABLE:
                    raise
                reconnects += 1
                if max_reconnects is not None and reconnects > max_reconnects:
                    raise
            finally:
                stream.cancel()
            time.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
