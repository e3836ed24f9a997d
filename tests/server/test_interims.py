"""Interim segments are redacted beside the reader: the newest per speaker wins, a replaced one is
never redacted, and a final supersedes its speaker's waiting interim."""

from __future__ import annotations

import asyncio

from warmtransfer.server.event_bus import EventBus, Subscription
from warmtransfer.server.interims import InterimPublisher
from warmtransfer.server.redactors import CallRedactors
from warmtransfer.v1 import transcript_pb2


class GatedRedactors(CallRedactors):
    """The real redactors, held at a gate so the test decides when a redaction finishes."""

    def __init__(self) -> None:
        super().__init__(workers=0)
        self.gate = asyncio.Event()
        self.started = asyncio.Event()
        self.previewed: list[str] = []

    async def preview(self, tenant_id: str, call_id: str, *, speaker: str, text: str) -> str:
        self.previewed.append(text)
        self.started.set()
        await self.gate.wait()
        return await super().preview(tenant_id, call_id, speaker=speaker, text=text)


def interim(speaker: str, text: str) -> transcript_pb2.TranscriptSegment:
    return transcript_pb2.TranscriptSegment(speaker_identity=speaker, text=text, is_final=False)


async def published(sub: Subscription, count: int) -> list[str]:
    texts = []
    for _ in range(count):
        item = await asyncio.wait_for(sub.next(), 30)
        assert not isinstance(item, str), item
        texts.append(item.segment_interim.segment.text)
    return texts


async def test_only_the_newest_interim_of_a_speaker_is_redacted() -> None:
    bus = EventBus()
    sub = bus.subscribe("call-1")
    redactors = GatedRedactors()
    await redactors.load()
    publisher = InterimPublisher(redactors, bus, tenant_id="t", call_id="call-1")
    publisher.offer(interim("caller", "my number is"))
    await redactors.started.wait()  # the first is being redacted
    publisher.offer(interim("caller", "my number is four one five"))
    publisher.offer(interim("caller", "my number is 415 555 0132"))
    publisher.offer(interim("agent", "okay"))
    publisher.offer(interim("agent", "okay let me"))
    publisher.final_arrived("agent")  # the agent's final came: its interim is stale
    redactors.gate.set()
    assert await published(sub, 2) == ["my number is", "my number is <PHONE_NUMBER>"]
    await publisher.close()
    assert redactors.previewed == ["my number is", "my number is 415 555 0132"]
    bus.close()
    await redactors.close()
