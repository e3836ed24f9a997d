"""The interceptor never lets a stack trace out as UNKNOWN."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from warmtransfer.client import auth_metadata
from warmtransfer.server.config import ApiKey
from warmtransfer.server.errors import FailedPrecondition
from warmtransfer.server.interceptors import RequestInterceptor


async def boom(request: bytes, context: Any) -> bytes:
    raise RuntimeError("secret internals /srv/app.py line 12")


async def refuse(request: bytes, context: Any) -> bytes:
    raise FailedPrecondition("the transfer is already completed", field="transfer_id")


async def stream_boom(request: bytes, context: Any) -> AsyncIterator[bytes]:
    yield b"one"
    raise KeyError("internals")


@pytest.fixture
async def target() -> AsyncIterator[str]:
    server = grpc.aio.server(interceptors=[RequestInterceptor({"k": ApiKey("t")})])
    handlers = {
        "Boom": grpc.unary_unary_rpc_method_handler(boom),
        "Refuse": grpc.unary_unary_rpc_method_handler(refuse),
        "StreamBoom": grpc.unary_stream_rpc_method_handler(stream_boom),
    }
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("test.Svc", handlers)])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(None)


async def test_unexpected_exceptions_become_internal_with_an_incident_id(target: str) -> None:
    async with grpc.aio.insecure_channel(target) as channel:
        call = channel.unary_unary("/test.Svc/Boom")
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call(b"", metadata=auth_metadata("k"))
        assert caught.value.code() == grpc.StatusCode.INTERNAL
        details = caught.value.details() or ""
        assert "incident" in details and "secret" not in details and "Traceback" not in details

        stream = channel.unary_stream("/test.Svc/StreamBoom")(b"", metadata=auth_metadata("k"))
        got = []
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            async for item in stream:
                got.append(item)
        assert got == [b"one"] and caught.value.code() == grpc.StatusCode.INTERNAL


async def test_domain_errors_keep_their_code(target: str) -> None:
    async with grpc.aio.insecure_channel(target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await channel.unary_unary("/test.Svc/Refuse")(b"", metadata=auth_metadata("k"))
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert caught.value.details() == "the transfer is already completed"
