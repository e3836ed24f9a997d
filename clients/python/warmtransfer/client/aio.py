"""The asyncio client: a channel whose every call carries `authorization: Bearer <key>`."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import grpc

from warmtransfer.client.options import channel_options
from warmtransfer.v1 import (
    call_service_pb2_grpc,
    context_service_pb2_grpc,
    summary_service_pb2_grpc,
    transcript_service_pb2_grpc,
    transfer_service_pb2_grpc,
)

__all__ = ["Client", "auth_metadata"]


def auth_metadata(api_key: str) -> tuple[tuple[str, str], ...]:
    """The metadata that authenticates a call."""
    return (("authorization", f"Bearer {api_key}"),)


class _WithKey:
    def __init__(self, api_key: str) -> None:
        self._metadata = auth_metadata(api_key)

    def _details(self, details: Any) -> Any:
        metadata = tuple(details.metadata or ()) + self._metadata
        return details._replace(metadata=metadata)


# grpc.aio files an interceptor under the first of the four kinds it matches, so each kind
# needs its own object.
class _UnaryUnaryAuth(_WithKey, grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _UnaryStreamAuth(_WithKey, grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _StreamUnaryAuth(_WithKey, grpc.aio.StreamUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


class _StreamStreamAuth(_WithKey, grpc.aio.StreamStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


def _auth_interceptors(api_key: str) -> list[Any]:
    kinds = (_UnaryUnaryAuth, _UnaryStreamAuth, _StreamUnaryAuth, _StreamStreamAuth)
    return [kind(api_key) for kind in kinds]


class Client:
    """Stubs for the five services over one authenticated channel; unary calls are retried on
    UNAVAILABLE (see `options`)."""

    def __init__(self, target: str, *, api_key: str) -> None:
        self.channel = grpc.aio.insecure_channel(
            target, options=channel_options(), interceptors=_auth_interceptors(api_key)
        )
        self.calls = call_service_pb2_grpc.CallServiceStub(self.channel)
        self.transcripts = transcript_service_pb2_grpc.TranscriptServiceStub(self.channel)
        self.summaries = summary_service_pb2_grpc.SummaryServiceStub(self.channel)
        self.transfers = transfer_service_pb2_grpc.TransferServiceStub(self.channel)
        self.context = context_service_pb2_grpc.ContextServiceStub(self.channel)

    async def close(self) -> None:
        await self.channel.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
