"""Channels from this replica to the others (a call's stream forwarded to its owner)."""

from __future__ import annotations

from typing import Any

import grpc

from warmtransfer.v1 import transcript_service_pb2_grpc

__all__ = ["OwnerChannels"]


class OwnerChannels:
    """One gRPC channel per owner address, kept for the server's life."""

    def __init__(self) -> None:
        self._channels: dict[str, grpc.aio.Channel] = {}

    def stub(self, address: str) -> Any:
        channel = self._channels.get(address)
        if channel is None:
            channel = self._channels[address] = grpc.aio.insecure_channel(address)
        return transcript_service_pb2_grpc.TranscriptServiceStub(channel)

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()
