"""Ending a hold or a transfer does not wait for the hold music's dispatch: LiveKit's client
retries a slow request for a minute and more, and a decline waited all that time. The music is
recalled once its dispatch returns, and only that dispatch's music.

LiveKit is an in-memory stand-in here (its dispatch returns when the test says so); the
transfer tests on a real livekit-server cover the dispatches themselves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from warmtransfer.server.media import LiveKitRooms
from warmtransfer.server.store import CallStore
from warmtransfer.server.transfers import TransferCoordinator


class SlowDispatches:
    """The two calls of LiveKitRooms the hold music makes; a dispatch returns when released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.dispatched: list[str] = []
        self.recalled: list[tuple[str, str]] = []
        self.recall_seen = asyncio.Event()

    async def dispatch_worker(self, room: str, task: dict[str, Any]) -> str:
        await self.release.wait()
        self.dispatched.append(room)
        return f"dispatch-{len(self.dispatched)}"

    async def recall_worker(self, room: str, dispatch_id: str, identity: str) -> None:
        self.recalled.append((room, dispatch_id))
        self.recall_seen.set()


@dataclass
class Holding:
    """A coordinator whose hold music and briefing voice are being dispatched, slowly."""

    fake: SlowDispatches
    media: LiveKitRooms
    coordinator: TransferCoordinator
    dispatching: asyncio.Task[str | None]


@pytest.fixture
async def holding(tmp_path: Path) -> AsyncIterator[Holding]:
    store = await CallStore.open(tmp_path)
    fake = SlowDispatches()
    media = cast(LiveKitRooms, fake)
    coordinator = TransferCoordinator(store, media)
    dispatching = coordinator._spawn(
        coordinator._dispatch_media(media, "call-room", "consult-room", {"task": "briefing"})
    )
    coordinator._media_tasks["call-room"] = dispatching
    try:
        yield Holding(fake, media, coordinator, dispatching)
    finally:
        await coordinator.close()
        await store.close()


async def test_a_hold_ends_at_once_and_its_music_is_recalled_once_dispatched(
    holding: Holding,
) -> None:
    fake, coordinator = holding.fake, holding.coordinator
    # Returns while the dispatch is still under way.
    await asyncio.wait_for(coordinator._stop_hold_music(holding.media, "call-room"), 10)
    assert fake.recalled == [] and not holding.dispatching.done()
    fake.release.set()
    await asyncio.wait_for(fake.recall_seen.wait(), 10)
    # The hold music (the first dispatch) is recalled; the briefing's voice is not.
    assert fake.dispatched == ["call-room", "consult-room"]
    assert fake.recalled == [("call-room", "dispatch-1")]
    assert coordinator._hold_music == {}


async def test_a_late_recall_leaves_a_later_holds_music_alone(holding: Holding) -> None:
    fake, coordinator = holding.fake, holding.coordinator
    await coordinator._stop_hold_music(holding.media, "call-room")
    # A new hold's music is playing (dispatched) before the first dispatch returns.
    coordinator._hold_music["call-room"] = "later-hold"
    fake.release.set()
    await asyncio.wait_for(fake.recall_seen.wait(), 10)
    assert fake.recalled == [("call-room", "dispatch-1")]
    assert coordinator._hold_music == {"call-room": "later-hold"}
