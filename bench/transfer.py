"""Warm-transfer latencies on a local livekit-server, with real participants publishing audio.

    python -m bench.transfer [--transfers 20] [--b-joins-after 0] [--join-call-first]

The API server, the media worker (`warmtransfer agent`) and the test participants (this process)
each run in processes of their own. Per transfer: StartTransfer's return time
(the briefing is precomputed, so no summarizing happens on this path); click -> the caller's
first hold-music frame; B joins the consult room -> B's first frame of the spoken briefing;
CompleteTransfer -> the caller's first audio frame from B (B re-joins the
call room with the token CompleteTransfer returns, as on self-hosted LiveKit, having left the
consult room; with `--join-call-first`, it leaves the consult room once the caller hears it),
with its parts; CompleteTransfer -> the transfer recorded COMPLETED (B seen in the room, A removed).

B joins the consult room as soon as the caller hears the music, or `--b-joins-after` seconds
after the click (a person reading the offer and accepting it takes a few seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.common import describe_ms
from bench.stack import running_stack
from tests.server.helpers import wait_for_event
from tests.server.livekit_helpers import (
    AGENT,
    CALLER,
    OTHER,
    Peer,
    dispose_native_runtime,
    new_call,
    token,
)
from warmtransfer.pipeline.worker.protocol import TRANSCRIBER_IDENTITY
from warmtransfer.v1 import call_service_pb2, transfer_pb2, transfer_service_pb2


def subscribed_to(peer: Peer, identity: str) -> bool:
    return any(
        pub.subscribed
        for p in peer.room.remote_participants.values()
        if p.identity == identity
        for pub in p.track_publications.values()
    )


async def main(transfers: int, b_joins_after: float, leave_consult_first: bool) -> None:
    rejoin: tuple[list[float], ...] = ([], [], [], [])  # the parts of the re-join
    start_ms: list[float] = []
    to_b_audio: list[float] = []
    to_completed: list[float] = []
    to_music: list[float] = []
    to_briefing: list[float] = []
    # The worker also transcribes each call into the server (the tones are not speech).
    async with running_stack(server_process=True) as stack:
        lk, wt = stack.livekit, stack.client
        for _ in range(transfers):
            call = await new_call(wt)
            caller = await Peer("maria").join(
                lk.url, await token(wt, call.call_id, "maria", CALLER)
            )
            a = await Peer("agent-a").join(lk.url, await token(wt, call.call_id, "agent-a", AGENT))
            await caller.wait_hearing("agent-a")
            # A transfer comes minutes into a call, when its transcriber (which plays the hold
            # music) has long joined: the click waits for its track to reach the caller.
            await caller.wait_until(
                lambda peer=caller: subscribed_to(peer, TRANSCRIBER_IDENTITY)  # type: ignore[misc]
            )
            t0 = time.perf_counter()
            started = await wt.transfers.StartTransfer(
                transfer_service_pb2.StartTransferRequest(
                    call_id=call.call_id, from_identity="agent-a", to_identity="agent-b"
                )
            )
            start_ms.append(time.perf_counter() - t0)
            await caller.wait_hearing(OTHER, frames=1, timeout=60)
            to_music.append(time.perf_counter() - t0)
            await asyncio.sleep(max(0.0, t0 + b_joins_after - time.perf_counter()))
            b = await Peer("agent-b").join(lk.url, started.to_consult_token)
            tb = time.perf_counter()
            await b.wait_hearing(OTHER, frames=1, timeout=60)
            to_briefing.append(time.perf_counter() - tb)
            t1 = time.perf_counter()
            completed = await wt.transfers.CompleteTransfer(
                transfer_service_pb2.CompleteTransferRequest(
                    transfer_id=started.transfer.transfer_id
                )
            )
            returned = time.perf_counter()
            in_consult = b
            if leave_consult_first:
                await in_consult.leave()
            left = time.perf_counter()
            b = await Peer("agent-b").join(lk.url, completed.to_call_token)
            joined = time.perf_counter()
            await caller.wait_hearing("agent-b", frames=1)
            to_b_audio.append(time.perf_counter() - t1)
            rejoin[0].append(returned - t1)
            rejoin[1].append(left - returned)
            rejoin[2].append(joined - left)
            rejoin[3].append(time.perf_counter() - joined)
            if not leave_consult_first:
                await in_consult.leave()
            await wait_for_event(
                wt,
                call.call_id,
                lambda e: (
                    e.transfer_state_changed.transfer.state == transfer_pb2.TRANSFER_STATE_COMPLETED
                ),
            )
            to_completed.append(time.perf_counter() - t1)
            for peer in (caller, a, b):
                await peer.leave()
            await wt.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call.call_id))
    dispose_native_runtime()
    print(
        f"transfer: {transfers} transfers on a local livekit-server,"
        f" B joining {b_joins_after:g} s after the click at the earliest"
    )
    print(f"transfer: StartTransfer returns: {describe_ms(start_ms)}")
    print(f"transfer: click -> caller's first hold-music frame: {describe_ms(to_music)}")
    print(f"transfer: B joins -> B's first briefing audio frame: {describe_ms(to_briefing)}")
    print(f"transfer: CompleteTransfer -> caller's first frame from B: {describe_ms(to_b_audio)}")
    parts = (
        "CompleteTransfer returns",
        "B leaves the consult room" if leave_consult_first else "(B stays in the consult room)",
        "B connected to the call room, its track published",
        "-> the caller's first frame from B",
    )
    for part, times in zip(parts, rejoin, strict=True):
        print(f"transfer:   {part}: {describe_ms(times)}")
    print(f"transfer: CompleteTransfer -> COMPLETED recorded: {describe_ms(to_completed)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transfers", type=int, default=20)
    parser.add_argument("--b-joins-after", type=float, default=0.0)
    parser.add_argument(
        "--join-call-first",
        action="store_true",
        help="B joins the call room before leaving the consult room (by default B leaves the"
        " consult room first)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.transfers, args.b_joins_after, not args.join_call_first))
