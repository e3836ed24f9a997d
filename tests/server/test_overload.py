"""A saturated server says so: new calls get RESOURCE_EXHAUSTED with RetryInfo and the health
check reports NOT_SERVING, while the calls already live lose nothing."""

from __future__ import annotations

import asyncio
import threading

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.server.helpers import config, create_call, requests_of, segment
from warmtransfer.client import Client
from warmtransfer.server import redactors as redactors_module
from warmtransfer.server.app import RunningServer
from warmtransfer.server.errors import Overloaded
from warmtransfer.server.overload import LoadMonitor
from warmtransfer.v1 import call_service_pb2, transcript_service_pb2


async def test_the_monitor_saturates_and_recovers_with_hysteresis() -> None:
    backlog = [0.0]
    changes: list[bool] = []

    async def changed(saturated: bool) -> None:
        changes.append(saturated)

    monitor = LoadMonitor(
        {"redaction_backlog_s": lambda: backlog[0]},
        on_change=changed,
        limits={"redaction_backlog_s": 1.0, "loop_lag_s": 0.5},
    )
    assert not await monitor.sample()
    monitor.admit()
    backlog[0] = 1.5
    assert await monitor.sample()
    with pytest.raises(Overloaded) as caught:
        monitor.admit()
    assert caught.value.retry_after and "redaction_backlog_s 1.5" in caught.value.message
    backlog[0] = 0.8  # under the limit, not yet under half of it: still saturated
    assert await monitor.sample()
    backlog[0] = 0.4
    assert not await monitor.sample()
    monitor.admit()
    assert changes == [True, False]
    with pytest.raises(ValueError, match="no limit"):
        LoadMonitor({"mystery": lambda: 0.0})


async def test_one_pause_of_the_loop_is_not_saturation_a_loop_that_stays_behind_is() -> None:
    monitor = LoadMonitor({}, limits={"loop_lag_s": 0.5})
    monitor.record_loop_lag(0.9)  # a collection, a model loading: over once seen
    assert not await monitor.sample()
    for _ in range(3):
        monitor.record_loop_lag(0.0)
        assert not await monitor.sample()
    for _ in range(3):
        monitor.record_loop_lag(0.8)
        assert not await monitor.sample()
    monitor.record_loop_lag(0.7)  # the last four samples all late
    assert await monitor.sample()
    assert "loop_lag_s 0.7" in _refusal(monitor)
    for _ in range(4):
        monitor.record_loop_lag(0.1)
    assert not await monitor.sample()


def _refusal(monitor: LoadMonitor) -> str:
    with pytest.raises(Overloaded) as caught:
        monitor.admit()
    return caught.value.message


async def serving(server: RunningServer) -> int:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        return int(response.status)


async def test_saturated_server_refuses_new_calls_and_keeps_live_ones(
    server: RunningServer, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate, entered = threading.Event(), asyncio.Event()
    real = redactors_module._redact
    loop = asyncio.get_running_loop()

    def gated(items: list[redactors_module._Item]) -> list[redactors_module._Result]:
        loop.call_soon_threadsafe(entered.set)
        gate.wait(60)
        return real(items)

    monkeypatch.setattr(redactors_module, "_redact", gated)
    monitor = server.deps.load
    monitor.limits = {**monitor.limits, "redaction_backlog_s": 0.0}
    call_id = await create_call(client)
    stream = client.transcripts.StreamTranscript(
        requests_of([config(call_id), segment(1, "my number is 415 555 0132"), segment(2)])
    )
    acks = asyncio.ensure_future(_acks(stream))
    await asyncio.wait_for(entered.wait(), 30)  # a segment is stuck in redaction
    assert server.deps.redactors.backlog_seconds() > 0
    assert await monitor.sample()
    assert await serving(server) == health_pb2.HealthCheckResponse.NOT_SERVING
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await client.calls.CreateCall(call_service_pb2.CreateCallRequest(customer_id="c"))
    error = caught.value
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "saturated" in (error.details() or "")
    retry = _retry_info(error)
    assert retry is not None and retry.retry_delay.seconds >= 1
    gate.set()  # the backlog drains: the live call's segments are acknowledged
    assert await asyncio.wait_for(acks, 60) == [1, 2]
    assert not await monitor.sample()
    assert await serving(server) == health_pb2.HealthCheckResponse.SERVING
    await create_call(client)
    stored = await client.transcripts.GetTranscript(
        transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
    )
    assert stored.segments[0].text == "my number is <PHONE_NUMBER>"


async def _acks(stream: object) -> list[int]:
    return [r.acked_seq async for r in stream]  # type: ignore[attr-defined]


def _retry_info(error: grpc.aio.AioRpcError) -> error_details_pb2.RetryInfo | None:
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                    info = error_details_pb2.RetryInfo()
                    detail.Unpack(info)
                    return info
    return None
