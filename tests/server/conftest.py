"""Fixtures for tests against a real livekit-server and a server wired to it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from livekit import api

from tests.livekit_server import LiveKitServer, running_livekit
from tests.server.helpers import AGENT as AGENT_SPEAKER
from tests.server.helpers import ingest, segment
from tests.server.livekit_helpers import AGENT, CALLER, Peer, new_call, token
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer, start_server
from warmtransfer.server.config import load_config
from warmtransfer.v1 import call_pb2


@pytest.fixture
async def livekit() -> AsyncIterator[LiveKitServer]:
    async with running_livekit() as server:
        yield server


@pytest.fixture
async def lk_api(livekit: LiveKitServer) -> AsyncIterator[api.LiveKitAPI]:
    client = api.LiveKitAPI(livekit.url, livekit.api_key, livekit.api_secret)
    yield client
    await client.aclose()


@pytest.fixture
def extra_env() -> dict[str, str]:
    """Configuration a test module adds for its server (override it there)."""
    return {}


@pytest.fixture
async def wt_server(
    tmp_path: Path, livekit: LiveKitServer, extra_env: dict[str, str], store_env: dict[str, str]
) -> AsyncIterator[RunningServer]:
    env = (
        store_env
        | {
            "WARMTRANSFER_API_KEYS": "key-a=tenant-a",
            "WARMTRANSFER_LISTEN": "127.0.0.1:0",
            "WARMTRANSFER_DATA_DIR": str(tmp_path / "data"),
            "LIVEKIT_URL": livekit.url,
            "LIVEKIT_API_KEY": livekit.api_key,
            "LIVEKIT_API_SECRET": livekit.api_secret,
            "WARMTRANSFER_WORKERS": "0",
        }
        | extra_env
    )
    running = await start_server(load_config(env))
    yield running
    await running.stop(grace=1)


@pytest.fixture
async def wt(wt_server: RunningServer) -> AsyncIterator[Client]:
    client = Client(f"127.0.0.1:{wt_server.port}", api_key="key-a")
    yield client
    await client.close()


@dataclass
class LiveCall:
    call: call_pb2.Call
    caller: Peer
    agent_a: Peer


@pytest.fixture
async def live_call(wt: Client, livekit: LiveKitServer) -> AsyncIterator[LiveCall]:
    call = await new_call(wt)
    caller = await Peer("maria").join(livekit.url, await token(wt, call.call_id, "maria", CALLER))
    agent_a = await Peer("agent-a").join(
        livekit.url, await token(wt, call.call_id, "agent-a", AGENT)
    )
    await caller.wait_hearing("agent-a")
    await agent_a.wait_hearing("maria")
    await ingest(
        wt,
        call.call_id,
        [
            segment(1, "Hi, I was charged twice for my March bill."),
            segment(2, "I can see the duplicate charge and I'll ask billing.", role=AGENT_SPEAKER),
        ],
    )
    yield LiveCall(call, caller, agent_a)
    for peer in (caller, agent_a):
        with contextlib.suppress(Exception):
            await peer.leave()
