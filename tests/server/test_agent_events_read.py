"""A new WatchAgent stream (no cursor) finds where to start and reads from there in one snapshot:
an offer committed between the two must be read then or by the next read after its wake, never
taken for the start and skipped."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from warmtransfer.server.store import CallStore
from warmtransfer.server.store import transfers as transfer_rows
from warmtransfer.server.store.engine import Conn
from warmtransfer.v1 import call_pb2

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")


class _OfferAfterFirstStatement:
    """A connection that, after its first statement, waits for `land()` to commit on the loop
    (the store's own writer), as a StartTransfer racing the read would."""

    def __init__(self, conn: Conn, land: Callable[[], None]) -> None:
        self._conn = conn
        self._land = land
        self.statements = 0

    def execute(self, *args: Any) -> Any:
        result = self._conn.execute(*args)
        self.statements += 1
        if self.statements == 1:
            self._land()
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


async def test_an_offer_committed_while_a_new_watch_reads_is_not_skipped(
    tmp_path: Path,
    store_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = await CallStore.open(tmp_path, database_url=store_env.get("DATABASE_URL"))
    loop = asyncio.get_running_loop()
    try:
        call_id = (await store.create_call("t", "cust", {})).call_id
        await store.register_participant("t", call_id, "maria", call_pb2.PARTICIPANT_ROLE_CALLER)
        await store.register_participant("t", call_id, "agent-a", call_pb2.PARTICIPANT_ROLE_AGENT)
        identity = "agent-b"

        def land() -> None:
            start = store.start_transfer(
                "t", call_id, from_identity="agent-a", to_identity=identity, reason="billing"
            )
            asyncio.run_coroutine_threadsafe(start, loop).result(timeout=30)

        raced: list[_OfferAfterFirstStatement] = []
        first_open_offer_cursor = transfer_rows.first_open_offer_cursor

        def racing(conn: Conn, tenant_id: str, who: str) -> int:
            proxy = _OfferAfterFirstStatement(conn, land)
            raced.append(proxy)
            return first_open_offer_cursor(proxy, tenant_id, who)

        monkeypatch.setattr(transfer_rows, "first_open_offer_cursor", racing)
        events, start = await store.agent_events_after("t", identity, None)
        monkeypatch.undo()
        assert raced and raced[0].statements >= 1  # the offer did land mid-read
        # Read in the snapshot before the offer: nothing yet, and a start before the offer...
        assert events == []
        # ...so the read its commit wakes finds it.
        after, _ = await store.agent_events_after("t", identity, start)
        assert [event.transfer.to_identity for event in after] == [identity]
        assert after[0].transfer.call_id == call_id
    finally:
        await store.close()
