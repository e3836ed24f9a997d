"""LiveKit past one node: two livekit-server nodes on one Redis (the one the server replicas
share) serve one room. A room made through one node is known to the other, and participants
who join through different nodes hear each other. Real nodes, real Redis, real audio."""

from __future__ import annotations

import asyncio

import pytest
from livekit import api

from tests.livekit_server import API_KEY, API_SECRET, running_livekit
from tests.redis_server import RedisServer
from tests.server.livekit_helpers import Peer

pytestmark = pytest.mark.livekit


def join_token(identity: str, room: str) -> str:
    grants = api.VideoGrants(room_join=True, room=room)
    return api.AccessToken(API_KEY, API_SECRET).with_identity(identity).with_grants(grants).to_jwt()


async def test_two_nodes_on_one_redis_serve_one_room(redis_server: RedisServer) -> None:
    redis = f"127.0.0.1:{redis_server.port}"
    async with running_livekit(redis=redis) as one, running_livekit(redis=redis) as two:
        via_one = api.LiveKitAPI(one.url, API_KEY, API_SECRET)
        via_two = api.LiveKitAPI(two.url, API_KEY, API_SECRET)
        peers: list[Peer] = []
        try:
            await via_one.room.create_room(api.CreateRoomRequest(name="call-cluster"))
            listed = await via_two.room.list_rooms(api.ListRoomsRequest(names=["call-cluster"]))
            assert [room.name for room in listed.rooms] == ["call-cluster"]
            caller = await Peer("maria").join(one.url, join_token("maria", "call-cluster"))
            peers.append(caller)
            agent = await Peer("agent-a").join(two.url, join_token("agent-a", "call-cluster"))
            peers.append(agent)
            await asyncio.wait_for(caller.wait_hearing("agent-a"), 60)
            await asyncio.wait_for(agent.wait_hearing("maria"), 60)
            seen = await via_two.room.list_participants(
                api.ListParticipantsRequest(room="call-cluster")
            )
            assert sorted(p.identity for p in seen.participants) == ["agent-a", "maria"]
        finally:
            for peer in peers:
                await peer.leave()
            await via_one.aclose()
            await via_two.aclose()
