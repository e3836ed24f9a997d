"""The one interceptor every RPC passes: authentication, tenant scoping and error mapping.

It wraps each method handler so that, inside the handler's own task, the API key is resolved to
a `Principal` (health checks and reflection are public), and every `WarmTransferError` becomes a
canonical status with `google.rpc.ErrorInfo` and, for a bad field, `BadRequest` details. Any
other exception is logged with an incident id and returned as INTERNAL without its stack trace.
Request bytes that do not decode as the method's message are INVALID_ARGUMENT (grpcio would
answer UNKNOWN with a Python class name).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from warmtransfer.server.auth import authenticate, set_principal
from warmtransfer.server.config import ApiKey
from warmtransfer.server.errors import InvalidArgument, WarmTransferError
from warmtransfer.server.ingest_tokens import IngestTokens

__all__ = ["RequestInterceptor", "status_for"]

log = logging.getLogger(__name__)
DOMAIN = "warmtransfer.v1"
PUBLIC_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


class RequestInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Authenticates, scopes to a tenant and maps errors, for every non-public RPC."""

    def __init__(self, keys: Mapping[str, ApiKey], tokens: IngestTokens | None = None) -> None:
        self._keys = keys
        self._tokens = tokens

    async def intercept_service(
        self,
        continuation: Callable[[Any], Awaitable[Any]],
        handler_call_details: Any,
    ) -> Any:
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or method.startswith(PUBLIC_PREFIXES):
            return handler
        return _wrap(handler, method, self._keys, self._tokens)


def status_for(error: WarmTransferError) -> grpc.Status:
    """The rich gRPC status of a domain error."""
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN)
    if error.field:
        info.metadata["field"] = error.field
    details = [_pack(info)]
    if error.field and error.code == grpc.StatusCode.INVALID_ARGUMENT:
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=error.field, description=error.message
        )
        details.append(_pack(error_details_pb2.BadRequest(field_violations=[violation])))
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromMilliseconds(round(retry_after * 1000))
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    code_value: int = error.code.value[0]
    return rpc_status.to_status(
        status_pb2.Status(code=code_value, message=error.message, details=details)
    )


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


async def _abort(context: grpc.aio.ServicerContext, exc: Exception, method: str) -> None:
    if isinstance(exc, WarmTransferError):
        status = status_for(exc)
    else:
        incident = secrets.token_hex(6)
        log.error("internal error in %s (incident %s)", method, incident, exc_info=exc)
        status = status_for(WarmTransferError(f"internal error (incident {incident})"))
    await context.abort(status.code, status.details, status.trailing_metadata)


class _Undecodable:
    """What a request deserializes to when its bytes are not the method's message."""

    __slots__ = ("error",)

    def __init__(self, error: InvalidArgument) -> None:
        self.error = error


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """`deserializer`, returning an `_Undecodable` instead of raising, so the handler answers
    with INVALID_ARGUMENT."""
    if deserializer is None:
        return None
    message = getattr(getattr(deserializer, "__self__", None), "DESCRIPTOR", None)
    name = message.full_name if message is not None else "request"

    def deserialize(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception:
            return _Undecodable(
                InvalidArgument("request", f"the bytes received are not a valid {name} message")
            )

    return deserialize


def _decoded(request: Any) -> Any:
    if isinstance(request, _Undecodable):
        raise request.error
    return request


async def _decoded_stream(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for request in requests:
        yield _decoded(request)


def _wrap(
    handler: Any, method: str, keys: Mapping[str, ApiKey], tokens: IngestTokens | None
) -> Any:
    def enter(context: grpc.aio.ServicerContext, request: Any) -> Any:
        metadata = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        set_principal(authenticate(metadata, keys, method, tokens))
        return _decoded_stream(request) if handler.request_streaming else _decoded(request)

    if handler.response_streaming:
        inner = handler.unary_stream or handler.stream_stream

        async def streaming(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            try:
                request = enter(context, request)
                async for response in inner(request, context):
                    yield response
            except grpc.aio.AbortError:
                raise
            except Exception as exc:
                await _abort(context, exc, str(inner))

        factory = (
            grpc.unary_stream_rpc_method_handler
            if handler.unary_stream
            else grpc.stream_stream_rpc_method_handler
        )
        behavior: Any = streaming
    else:
        inner = handler.unary_unary or handler.stream_unary

        async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                request = enter(context, request)
                return await inner(request, context)
            except grpc.aio.AbortError:
                raise
            except Exception as exc:
                await _abort(context, exc, str(inner))

        factory = (
            grpc.unary_unary_rpc_method_handler
            if handler.unary_unary
            else grpc.stream_unary_rpc_method_handler
        )
        behavior = unary
    return factory(
        behavior,
        request_deserializer=_tolerant(handler.request_deserializer),
        response_serializer=handler.response_serializer,
    )
