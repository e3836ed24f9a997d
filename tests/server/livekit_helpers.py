"""Real LiveKit participants for tests: join, publish a tone, and wait on what they hear."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable

import numpy as np
from livekit import rtc

from warmtransfer.client import Client
from warmtransfer.v1 import call_pb2, call_service_pb2

CALLER = call_pb2.PARTICIPANT_ROLE_CALLER
AGENT = call_pb2.PARTICIPANT_ROLE_AGENT
SUPERVISOR = call_pb2.PARTICIPANT_ROLE_SUPERVISOR
SAMPLE_RATE = 48_000
FRAME = 480  # 10 ms
SAY_MARGIN_S = 30.0  # beyond an utterance's own length, on a loaded machine
PLAYOUT_WAIT_S = 5.0  # for the last second queued in an AudioSource to play out
LEAVE_S = 60.0  # for a participant to stop listening and disconnect


async def new_call(client: Client) -> call_pb2.Call:
    response = await client.calls.CreateCall(
        call_service_pb2.CreateCallRequest(customer_id="cust-1")
    )
    call: call_pb2.Call = response.call
    return call


async def token(client: Client, call_id: str, identity: str, role: int) -> str:
    response = await client.calls.IssueToken(
        call_service_pb2.IssueTokenRequest(call_id=call_id, identity=identity, role=role)  # type: ignore[arg-type]
    )
    jwt: str = response.token
    return jwt


async def joined(url: str, jwt: str) -> rtc.Room:
    room = rtc.Room()
    await room.connect(url, jwt)
    return room


# Each test participant publishes its own tone, well above hold music (< 1 kHz), so what a peer
# hears is told apart by the sound itself: a subscribed track's stream can be re-attached by the
# SDK to another participant's track after a server-side unsubscribe, so stream labels lie.
TONES = {"maria": 1000.0, "agent-a": 1500.0, "agent-b": 2000.0}
OTHER = "(other sound)"  # loud audio that is none of the tones: hold music, speech


def _dominant_hz(samples: np.ndarray, sample_rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * sample_rate / len(samples))


class Peer:
    """One LiveKit participant that publishes its tone and counts, by sound, the audio frames
    it receives: frames of each other participant's tone, and other loud sound (OTHER)."""

    def __init__(self, identity: str) -> None:
        self.identity = identity
        self.room = rtc.Room()
        self.frames: dict[str, int] = {}  # non-silent frames heard, by whose tone (or OTHER)
        # Non-silent frames received, by the participant whose track the client says it is.
        self.via: dict[str, int] = {}
        self.disconnected = asyncio.Event()
        self._changed = asyncio.Event()
        self._source: rtc.AudioSource | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.room.on("track_subscribed", self._on_subscribed)
        self.room.on("disconnected", lambda *_: self._set(self.disconnected))

    def _set(self, event: asyncio.Event) -> None:
        event.set()
        self._changed.set()

    def _on_subscribed(self, track: rtc.Track, pub: object, who: rtc.RemoteParticipant) -> None:
        if track.kind == rtc.TrackKind.KIND_AUDIO:
            self._tasks.append(asyncio.create_task(self._count(track, who.identity)))

    async def _count(self, track: rtc.Track, identity: str) -> None:
        async for event in rtc.AudioStream(track):
            samples = np.frombuffer(event.frame.data, dtype=np.int16).astype(np.float64)
            if not samples.size or float(np.sqrt(np.mean(samples**2))) < 100:
                continue  # silence
            hz = _dominant_hz(samples, event.frame.sample_rate)
            who = next((p for p, tone in TONES.items() if abs(hz - tone) <= 60), OTHER)
            self.frames[who] = self.frames.get(who, 0) + 1
            self.via[identity] = self.via.get(identity, 0) + 1
            self._changed.set()

    async def wait_hearing(self, identity: str, *, frames: int = 10, timeout: float = 30) -> None:
        """Wait until `frames` more frames of `identity`'s tone (or of OTHER sound) arrive."""
        goal = self.frames.get(identity, 0) + frames
        await self.wait_until(lambda: self.frames.get(identity, 0) >= goal, timeout)

    async def wait_not_hearing(
        self, identity: str, *, quiet: float = 1.0, timeout: float = 30
    ) -> None:
        """Wait until no audio from `identity` has arrived for `quiet` seconds."""

        async def loop() -> None:
            while True:
                seen = self.frames.get(identity, 0)
                try:
                    await self.wait_until(
                        lambda seen=seen: self.frames.get(identity, 0) > seen,  # type: ignore[misc]
                        quiet,
                    )
                except TimeoutError:
                    return

        await asyncio.wait_for(loop(), timeout)

    async def join(self, url: str, jwt: str, *, publish: bool = True) -> Peer:
        await self.room.connect(url, jwt)
        if publish:
            tone_hz = TONES[self.identity]
            self._source = rtc.AudioSource(SAMPLE_RATE, 1)
            track = rtc.LocalAudioTrack.create_audio_track(f"{self.identity}-mic", self._source)
            options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
            await self.room.local_participant.publish_track(track, options)
            self._tasks.append(asyncio.create_task(self._play(tone_hz)))
        return self

    async def _play(self, hz: float) -> None:
        assert self._source is not None
        n = 0
        while True:
            frame = rtc.AudioFrame.create(SAMPLE_RATE, 1, FRAME)
            samples = frame.data
            for i in range(FRAME):
                samples[i] = int(8000 * math.sin(2 * math.pi * hz * (n + i) / SAMPLE_RATE))
            n += FRAME
            await self._source.capture_frame(frame)

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        async def loop() -> None:
            while not condition():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(loop(), timeout)

    async def leave(self) -> None:
        """Stop listening and disconnect; fails (TimeoutError) instead of hanging past
        `LEAVE_S` (a fresh-clone run once hung in a fixture's teardown with peers leaving)."""
        async with asyncio.timeout(LEAVE_S):
            for task in self._tasks:
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if self._source is not None:
                await self._source.aclose()
            await self.room.disconnect()


def dispose_native_runtime() -> None:
    """Shut LiveKit's native runtime down while the interpreter is still whole.

    livekit.rtc disposes it from an atexit hook; by then its threads can call back into a
    half-finalized interpreter and abort the process after everything passed.
    """
    import sys

    ffi = sys.modules.get("livekit.rtc._ffi_client")
    if ffi is not None and ffi.FfiClient._instance is not None:
        ffi.FfiClient._instance._dispose()


class Speaker:
    """A participant that speaks recorded speech into its room at real time, with silence (as a
    real microphone sends) between utterances."""

    def __init__(self, identity: str, sample_rate: int) -> None:
        self.identity = identity
        self.room = rtc.Room()
        self.sample_rate = sample_rate
        self._source = rtc.AudioSource(sample_rate, 1)
        self._queue: asyncio.Queue[tuple[np.ndarray, asyncio.Future[None]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[asyncio.Task[None]] = []
        self.heard = 0  # loud frames received from the room
        self._heard_more = asyncio.Event()
        self.room.on("track_subscribed", self._on_subscribed)

    def _on_subscribed(self, track: rtc.Track, *_: object) -> None:
        if track.kind == rtc.TrackKind.KIND_AUDIO:
            self._listeners.append(asyncio.create_task(self._listen(track)))

    async def _listen(self, track: rtc.Track) -> None:
        async for event in rtc.AudioStream(track):
            samples = np.frombuffer(event.frame.data, dtype=np.int16).astype(np.float64)
            if samples.size and float(np.sqrt(np.mean(samples**2))) >= 100:
                self.heard += 1
                self._heard_more.set()

    async def wait_heard(self, frames: int, timeout: float = 60) -> None:
        """Wait until `frames` more loud frames have been heard from the room."""
        goal = self.heard + frames
        async with asyncio.timeout(timeout):
            while self.heard < goal:
                self._heard_more.clear()
                await self._heard_more.wait()

    async def join(self, url: str, jwt: str) -> Speaker:
        await self.room.connect(url, jwt)
        track = rtc.LocalAudioTrack.create_audio_track(f"{self.identity}-mic", self._source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        await self.room.local_participant.publish_track(track, options)
        self._task = asyncio.create_task(self._play())
        return self

    async def say(self, pcm: np.ndarray) -> None:
        """Speak int16 mono samples; returns once they are played out. Fails (rather than
        waits for ever) if the player stopped or the speech takes far longer than its length."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((pcm, done))
        assert self._task is not None, "join the room first"
        async with asyncio.timeout(len(pcm) / self.sample_rate + SAY_MARGIN_S):
            await asyncio.wait({done, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not done.done():
            self._task.result()  # the player's own error, if it failed
            raise AssertionError(f"{self.identity}'s player stopped before speaking")

    async def _play(self) -> None:
        step = self.sample_rate // 100  # 10 ms frames
        silence = np.zeros(step, dtype=np.int16)
        while True:
            try:
                pcm, done = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                await self._source.capture_frame(_frame(silence, self.sample_rate))
                continue
            for i in range(0, len(pcm), step):
                await self._source.capture_frame(_frame(pcm[i : i + step], self.sample_rate))
            # At most the source's queue (1 s) is left to play. Bounded: the test waits on
            # what the room heard, not on the source's word, which must not hang it.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PLAYOUT_WAIT_S):
                    await self._source.wait_for_playout()
            done.set_result(None)

    async def leave(self) -> None:
        """As `Peer.leave`: bounded by `LEAVE_S`."""
        async with asyncio.timeout(LEAVE_S):
            for task in [*self._listeners, self._task]:
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await self._source.aclose()
            await self.room.disconnect()


def _frame(samples: np.ndarray, sample_rate: int) -> rtc.AudioFrame:
    return rtc.AudioFrame(samples.astype(np.int16).tobytes(), sample_rate, 1, len(samples))
