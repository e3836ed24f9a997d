"""Random well-typed requests at every RPC of a real server (property-based, hypothesis).

Every request message of every method is drawn from its protobuf descriptor: every field, set or
not, with values from the whole range of its type (Timestamps and Durations outside the range
protobuf defines, negative nanos, unknown enum values, huge and non-ASCII strings) mixed with
values the server knows (a real call id, identities in use), so requests get past the first
check. Streaming requests are sequences of such messages, most starting with a valid config.

The properties: a status is never UNKNOWN or INTERNAL and never names a Python class; a unary
call never hangs; afterwards the server still serves, and every segment it acknowledged is in
the stored transcript. A second test sends random bytes that are not the method's message.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor as pb_descriptor
from google.protobuf import message_factory
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.helpers import create_call, ingest, segment
from warmtransfer.client import Client
from warmtransfer.server.app import SERVICE_NAMES, RunningServer
from warmtransfer.v1 import (
    call_service_pb2,
    context_service_pb2,
    summary_service_pb2,
    transcript_service_pb2,
    transfer_service_pb2,
)

FD = pb_descriptor.FieldDescriptor
FILES = (
    call_service_pb2,
    transcript_service_pb2,
    summary_service_pb2,
    transfer_service_pb2,
    context_service_pb2,
)
METHODS: list[pb_descriptor.MethodDescriptor] = [
    method
    for module in FILES
    for service in module.DESCRIPTOR.services_by_name.values()
    for method in service.methods
]
NEVER = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}
UNARY_TIMEOUT_S = 30.0
STREAM_READ_S = 1.0  # a server stream still open after this is fine (WatchCall stays open)

# Values the server knows, filled in once per test (a real call, an identity in it).
KNOWN: dict[str, str] = {}

_INT_RANGES = {
    FD.TYPE_INT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FD.TYPE_INT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FD.TYPE_UINT32: (0, 2**32 - 1),
    FD.TYPE_FIXED32: (0, 2**32 - 1),
    FD.TYPE_UINT64: (0, 2**64 - 1),
    FD.TYPE_FIXED64: (0, 2**64 - 1),
}


def _integers(lo: int, hi: int) -> st.SearchStrategy[int]:
    edges = [v for v in (lo, hi, -1, 0, 1, 2, 999_999_999, 1_000_000_000) if lo <= v <= hi]
    return st.one_of(
        st.sampled_from(edges),
        st.integers(-1000, 1000).filter(lambda v: lo <= v <= hi),
        st.integers(lo, hi),
    )


def _strings() -> st.SearchStrategy[str]:
    known = st.sampled_from(["call_id", "identity", "cursor"]).map(lambda k: KNOWN.get(k, ""))
    return st.one_of(
        known,
        known,
        st.text(max_size=40),
        st.sampled_from(["", " ", "c_" + "0" * 24, "agent-b", "9" * 25, "x" * 5000, "\u0000"]),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=600),
    )


def _is_map(f: pb_descriptor.FieldDescriptor) -> bool:
    return f.message_type is not None and f.message_type.GetOptions().map_entry


def _field(f: pb_descriptor.FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if f.type == FD.TYPE_MESSAGE:
        assert f.message_type is not None
        if _is_map(f):
            return st.dictionaries(_strings(), _strings(), max_size=4)
        single: st.SearchStrategy[Any] = messages(f.message_type, depth + 1)
    elif f.type == FD.TYPE_ENUM:
        assert f.enum_type is not None
        values = [v.number for v in f.enum_type.values]
        single = st.one_of(st.sampled_from(values), st.integers(-3, 50))
    elif f.type in _INT_RANGES:
        single = _integers(*_INT_RANGES[f.type])
    elif f.type == FD.TYPE_BOOL:
        single = st.booleans()
    elif f.type == FD.TYPE_STRING:
        single = _strings()
    elif f.type == FD.TYPE_BYTES:
        single = st.binary(max_size=64)
    else:  # float, double
        single = st.floats(
            allow_nan=True, allow_infinity=True, width=32 if f.type == FD.TYPE_FLOAT else 64
        )
    if f.is_repeated:
        return st.lists(single, max_size=4)
    return single


def messages(descriptor: Any, depth: int = 0) -> st.SearchStrategy[Message]:
    """Messages of `descriptor`'s type: each field unset or drawn from its type's whole range;
    one member of each oneof at most."""
    cls = message_factory.GetMessageClass(descriptor)
    if depth > 3:
        return st.just(cls())
    plain = [f for f in descriptor.fields if f.containing_oneof is None]
    oneofs = list(descriptor.oneofs)

    @st.composite
    def build(draw: st.DrawFn) -> Message:
        message = cls()
        chosen = list(plain)
        for oneof in oneofs:
            member = draw(st.none() | st.sampled_from(list(oneof.fields)))
            if member is not None:
                chosen.append(member)
        for f in chosen:
            if f.containing_oneof is None and not draw(st.booleans()):
                continue
            value = draw(_field(f, depth))
            if _is_map(f):
                getattr(message, f.name).update(value)
            elif f.is_repeated:
                target = getattr(message, f.name)
                if f.type == FD.TYPE_MESSAGE:
                    for item in value:
                        target.add().CopyFrom(item)
                else:
                    target.extend(value)
            elif f.type == FD.TYPE_MESSAGE:
                getattr(message, f.name).CopyFrom(value)
            else:
                setattr(message, f.name, value)
        return message

    return build()


def stream_requests() -> st.SearchStrategy[list[Message]]:
    """StreamTranscript request sequences: mostly a valid config first, then random messages."""
    request = transcript_service_pb2.StreamTranscriptRequest
    config = st.builds(
        lambda: request(
            config=transcript_service_pb2.StreamTranscriptConfig(call_id=KNOWN["call_id"])
        )
    )
    rest = st.lists(messages(request.DESCRIPTOR), max_size=6)
    return st.one_of(
        st.tuples(config, rest).map(lambda t: [t[0], *t[1]]),
        st.tuples(config, rest).map(lambda t: [t[0], *t[1]]),
        rest,
    )


@dataclass
class Ledger:
    """Segments the server acknowledged as new, per call."""

    acked: dict[str, set[int]] = field(default_factory=dict)


def path(method: pb_descriptor.MethodDescriptor) -> str:
    return f"/{method.containing_service.full_name}/{method.name}"


def check_status(error: grpc.aio.AioRpcError, method: pb_descriptor.MethodDescriptor) -> None:
    assert error.code() not in NEVER, (path(method), error.code(), error.details())
    assert "<class" not in (error.details() or ""), (path(method), error.details())


async def call_once(
    channel: grpc.aio.Channel,
    method: pb_descriptor.MethodDescriptor,
    request: Any,
    ledger: Ledger,
    *,
    serialize: Callable[[Any], bytes] = lambda m: m.SerializeToString(),
) -> None:
    metadata = (("authorization", "Bearer key-a"),)
    response_cls = message_factory.GetMessageClass(method.output_type)
    kind = (method.client_streaming, method.server_streaming)
    try:
        if kind == (False, False):
            rpc = channel.unary_unary(path(method), serialize, response_cls.FromString)
            await rpc(request, metadata=metadata, timeout=UNARY_TIMEOUT_S)
        elif kind == (False, True):
            stream = channel.unary_stream(path(method), serialize, response_cls.FromString)(
                request, metadata=metadata
            )
            try:
                async with asyncio.timeout(STREAM_READ_S):
                    async for _ in stream:
                        pass
            except TimeoutError:
                stream.cancel()
        else:
            call_id = ""
            first = request[0] if request else None
            if isinstance(first, Message) and first.WhichOneof("request") == "config":
                call_id = request[0].config.call_id

            async def requests() -> AsyncIterator[Any]:
                for item in request:
                    yield item

            bidi = channel.stream_stream(path(method), serialize, response_cls.FromString)
            async with asyncio.timeout(UNARY_TIMEOUT_S):
                async for response in bidi(requests(), metadata=metadata):
                    ledger.acked.setdefault(call_id, set()).add(response.acked_seq)
    except grpc.aio.AioRpcError as error:
        check_status(error, method)
        assert error.code() != grpc.StatusCode.DEADLINE_EXCEEDED, (path(method), "hung")


@pytest.fixture
async def known(server: RunningServer, client: Client) -> AsyncIterator[Ledger]:
    call_id = await create_call(client)
    KNOWN.update(call_id=call_id, identity="caller-1", cursor="1")
    assert await ingest(
        client, call_id, [segment(1, "Hi, this is Dana calling about my bill.")]
    ) == [1]
    ledger = Ledger(acked={call_id: {1}})
    yield ledger
    KNOWN.clear()


async def assert_still_serving(server: RunningServer, client: Client, ledger: Ledger) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        assert health.status == health_pb2.HealthCheckResponse.SERVING
    fresh = await create_call(client)
    assert await ingest(client, fresh, [segment(1, "Still here.")]) == [1]
    for call_id, seqs in ledger.acked.items():
        if not seqs:
            continue
        stored = await client.transcripts.GetTranscript(
            transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
        )
        assert set(seqs) <= {s.seq for s in stored.segments}, call_id


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS, ids=path)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(data=st.data())
async def test_random_requests(
    server: RunningServer,
    client: Client,
    known: Ledger,
    method: pb_descriptor.MethodDescriptor,
    data: st.DataObject,
) -> None:
    assert method.containing_service.full_name in SERVICE_NAMES
    if method.client_streaming:
        request: Any = data.draw(stream_requests())
    else:
        request = data.draw(messages(method.input_type))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        await call_once(channel, method, request, known)
    await assert_still_serving(server, client, known)


@pytest.mark.parametrize("method", METHODS, ids=path)
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(garbage=st.binary(min_size=1, max_size=64))
async def test_undecodable_requests(
    server: RunningServer,
    client: Client,
    known: Ledger,
    method: pb_descriptor.MethodDescriptor,
    garbage: bytes,
) -> None:
    request: Any = [garbage] if method.client_streaming else garbage
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        await call_once(channel, method, request, known, serialize=lambda b: b)
    await assert_still_serving(server, client, known)


async def test_undecodable_bytes_name_the_request(server: RunningServer, known: Ledger) -> None:
    method = call_service_pb2.DESCRIPTOR.services_by_name["CallService"].methods_by_name["GetCall"]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        rpc = channel.unary_unary(path(method), lambda b: b, lambda b: b)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await rpc(b"\xff\xff\xff", metadata=(("authorization", "Bearer key-a"),))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "warmtransfer.v1.GetCallRequest" in (caught.value.details() or "")
