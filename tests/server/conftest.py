"""Fixtures for tests against a real livekit-server and a server wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from livekit import api

from tests.livekit_server import LiveKitServer, running_livekit
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer, start_server
from warmtransfer.server.config import load_config


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
async def wt_server(tmp_path: Path, livekit: LiveKitServer) -> AsyncIterator[RunningServer]:
    env = {
        "WARMTRANSFER_API_KEYS": "key-a=tenant-a",
        "WARMTRANSFER_LISTEN": "127.0.0.1:0",
        "WARMTRANSFER_DATA_DIR": str(tmp_path / "data"),
        "LIVEKIT_URL": livekit.url,
        "LIVEKIT_API_KEY": livekit.api_key,
        "LIVEKIT_API_SECRET": livekit.api_secret,
    }
    running = await start_server(load_config(env))
    yield running
    await running.stop(grace=1)


@pytest.fixture
async def wt(wt_server: RunningServer) -> AsyncIterator[Client]:
    client = Client(f"127.0.0.1:{wt_server.port}", api_key="key-a")
    yield client
    await client.close()
