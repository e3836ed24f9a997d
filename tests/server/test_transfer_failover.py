"""A transfer under way outlives the replica that followed it. Two server processes on one
PostgreSQL and one Redis, a real livekit-server with a caller and agents publishing audio: the
replica owning the call is killed with SIGKILL mid-transfer, and the other adopts the call and
follows its transfer to a defined end (completed, or failed with the caller given back to A). A
transfer started on the replica that does not own the call is followed by the one that does."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.livekit_server import LiveKitServer
from tests.postgres_server import PostgresServer, call_owner
from tests.redis_server import RedisServer
from tests.server.helpers import AGENT as AGENT_SPEAKER
from tests.server.helpers import ingest, segment, wait_for_event
from tests.server.livekit_helpers import AGENT, CALLER, Peer, new_call, token
from tests.server.processes import free_port, start_server_process
from tests.server.test_transfer_livekit import call_state, start
from warmtransfer.client import Client
from warmtransfer.v1 import call_pb2, transfer_pb2, transfer_service_pb2

pytestmark = pytest.mark.slow
LEASE_S = 2
JOIN_TIMEOUT_S = 10


@dataclass
class Replica:
    process: object
    client: Client
    replica_id: str


@dataclass
class Setup:
    a: Replica
    b: Replica
    database_url: str
    call_id: str
    caller: Peer
    agent_a: Peer

    def kill_a(self) -> None:
        self.a.process.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]

    def owner(self) -> tuple[str, int] | None:
        return call_owner(self.database_url, self.call_id)


@pytest.fixture
async def setup(
    postgres: PostgresServer, redis_server: RedisServer, livekit: LiveKitServer, tmp_path: Path
) -> AsyncIterator[Setup]:
    env = {
        "DATABASE_URL": postgres.create_database(),
        "REDIS_URL": redis_server.url,
        "WARMTRANSFER_INGEST_SECRET": "replicas-share-this-secret",
        "WARMTRANSFER_OWNER_LEASE_SECONDS": str(LEASE_S),
        "WARMTRANSFER_TRANSFER_JOIN_TIMEOUT_SECONDS": str(JOIN_TIMEOUT_S),
        "LIVEKIT_URL": livekit.url,
        "LIVEKIT_API_KEY": livekit.api_key,
        "LIVEKIT_API_SECRET": livekit.api_secret,
        "WARMTRANSFER_WORKERS": "0",
    }
    processes, replicas, peers = [], [], []
    try:
        for name in ("a", "b"):
            port = free_port()
            processes.append(await start_server_process(tmp_path / name, port, **env))
            replicas.append(
                Replica(
                    processes[-1],
                    Client(f"127.0.0.1:{port}", api_key="key-a"),
                    (tmp_path / name / "replica_id").read_text().strip(),
                )
            )
        a = replicas[0]
        call = await new_call(a.client)
        caller = await Peer("maria").join(
            livekit.url, await token(a.client, call.call_id, "maria", CALLER)
        )
        peers.append(caller)
        agent_a = await Peer("agent-a").join(
            livekit.url, await token(a.client, call.call_id, "agent-a", AGENT)
        )
        peers.append(agent_a)
        await caller.wait_hearing("agent-a")
        await agent_a.wait_hearing("maria")
        # A receives the transcript first, so A owns the call.
        await ingest(
            a.client,
            call.call_id,
            [
                segment(1, "Hi, I was charged twice for my March bill."),
                segment(2, "I can see the duplicate charge.", role=AGENT_SPEAKER),
            ],
        )
        made = Setup(a, replicas[1], env["DATABASE_URL"], call.call_id, caller, agent_a)
        assert made.owner() == (a.replica_id, 1)
        yield made
    finally:
        for peer in peers:
            await peer.leave()
        for replica in replicas:
            await replica.client.close()
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await process.wait()


def in_state(state: int):  # type: ignore[no-untyped-def]
    return lambda e: e.transfer_state_changed.transfer.state == state


async def test_a_transfer_completes_after_its_replica_is_killed(
    setup: Setup, livekit: LiveKitServer
) -> None:
    started = await start(setup.a.client, setup.call_id)
    await setup.caller.wait_not_hearing("agent-a")
    setup.kill_a()
    await setup.a.process.wait()  # type: ignore[attr-defined]
    # A and B consult, and complete through the surviving replica.
    a_consult = await Peer("agent-a").join(livekit.url, started.from_consult_token)
    b_consult = await Peer("agent-b").join(livekit.url, started.to_consult_token)
    await b_consult.wait_hearing("agent-a")
    at_b = setup.b.client
    completed = await at_b.transfers.CompleteTransfer(
        transfer_service_pb2.CompleteTransferRequest(transfer_id=started.transfer.transfer_id)
    )
    await b_consult.leave()
    await a_consult.leave()
    b_call = await Peer("agent-b").join(livekit.url, completed.to_call_token)
    try:
        # The surviving replica adopted the call within a lease and hands the caller over: A
        # is let go only once B is in the room.
        await setup.caller.wait_hearing("agent-b")
        await setup.agent_a.wait_until(setup.agent_a.disconnected.is_set, timeout=60)
        event = await wait_for_event(
            at_b, setup.call_id, in_state(transfer_pb2.TRANSFER_STATE_COMPLETED), timeout=60
        )
        assert event.transfer_state_changed.transfer.transfer_id == started.transfer.transfer_id
        assert setup.owner() == (setup.b.replica_id, 2)
        assert await call_state(at_b, setup.call_id) == call_pb2.CALL_STATE_ACTIVE
    finally:
        await b_call.leave()


async def test_a_transfer_nobody_answers_fails_on_the_other_replica_and_the_caller_is_back(
    setup: Setup,
) -> None:
    started = await start(setup.a.client, setup.call_id)
    await setup.caller.wait_not_hearing("agent-a")
    setup.kill_a()
    # B never answers. The surviving replica adopts the call and ends the transfer when its
    # join timeout (counted from when it started) has passed.
    event = await wait_for_event(
        setup.b.client,
        setup.call_id,
        in_state(transfer_pb2.TRANSFER_STATE_FAILED),
        timeout=JOIN_TIMEOUT_S + 60,
    )
    transfer = event.transfer_state_changed.transfer
    assert transfer.transfer_id == started.transfer.transfer_id
    assert transfer.end_reason == "agent-b did not answer the transfer in time"
    await setup.caller.wait_hearing("agent-a")  # never left on hold
    await setup.agent_a.wait_hearing("maria")
    assert setup.owner() == (setup.b.replica_id, 2)


async def test_a_transfer_started_on_another_replica_is_followed_by_the_calls_owner(
    setup: Setup,
) -> None:
    # StartTransfer reaches B, which does not own the call: A, the owner, follows the
    # transfer (told through the event relay) and fails it when nobody answers.
    started = await start(setup.b.client, setup.call_id)
    await setup.caller.wait_not_hearing("agent-a")
    event = await wait_for_event(
        setup.a.client,
        setup.call_id,
        in_state(transfer_pb2.TRANSFER_STATE_FAILED),
        timeout=JOIN_TIMEOUT_S + 60,
    )
    assert event.transfer_state_changed.transfer.transfer_id == started.transfer.transfer_id
    await setup.caller.wait_hearing("agent-a")
    assert setup.owner() == (setup.a.replica_id, 1)  # B did not take the call
