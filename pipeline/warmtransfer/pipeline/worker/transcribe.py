"""The transcription job: hear every participant of a call room and stream their words to the
server.

The server dispatches this job with the call's room (`protocol.TranscribeJob`). The job
subscribes to each participant's audio track separately, so every segment knows its speaker's
identity and role; the worker's own participants (`warmtransfer-*`: hold music, briefings) are
never subscribed, so their audio cannot enter the transcript. Each track runs its own STT stream
(`build_stt`: Whisper with VAD offline, Deepgram with a Whisper fallback when configured).

Segments go to `TranscriptService.StreamTranscript` through a `TranscriptStreamer`, which keeps
every final segment until the server acknowledges it and re-sends the rest after a reconnect,
so a server restart loses nothing. Seqs are allocated here, increasing across the call's
speakers: they start at the job's start time in milliseconds, so a restarted job continues above
anything an earlier one sent. Interim results (Deepgram's) carry the seq their final is expected
to take. The job also plays the call's hold music (`hold.HoldMusic`, on the room's command); the
caller's words while it plays are marked `on_hold`.

Participants joining and leaving are reported with `CallService.RecordParticipantEvent`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc
from livekit import rtc
from livekit.agents import AutoSubscribe, JobContext, stt, tts

from warmtransfer.client import Client, TranscriptStreamer
from warmtransfer.pipeline.worker.briefing import CallRoomBriefer
from warmtransfer.pipeline.worker.config import WorkerConfig
from warmtransfer.pipeline.worker.hold import HoldMusic
from warmtransfer.pipeline.worker.protocol import ROLE_ATTRIBUTE, WORKER_PREFIX, TranscribeJob
from warmtransfer.v1 import call_pb2, call_service_pb2, transcript_pb2

__all__ = ["SeqAllocator", "transcribe_call"]

log = logging.getLogger(__name__)

DRAIN_TIMEOUT_S = 45.0
"""How long a closing job waits for its last segments to be acknowledged (the job process is
given 60 s to shut down)."""
STT_SAMPLE_RATE = 16_000
STALL_S = 1.0
"""A track that delivers no frames at all this long (muted, or its sender gone quiet) has its
utterance in progress closed: the STT is flushed, once per stall. Shorter delivery hiccups are
left alone, as inventing silence inside speech would cut an utterance in two."""

SPEAKER_ROLES: Mapping[str, int] = {
    "caller": transcript_pb2.SPEAKER_ROLE_CALLER,
    "agent": transcript_pb2.SPEAKER_ROLE_AGENT,
    "supervisor": transcript_pb2.SPEAKER_ROLE_SUPERVISOR,
}


class SeqAllocator:
    """Increasing seqs for one call, starting above anything an earlier job could have used."""

    def __init__(self, start: int | None = None) -> None:
        self._last = (int(time.time() * 1000) if start is None else start) - 1

    def next(self) -> int:
        self._last += 1
        return self._last

    def peek(self) -> int:
        return self._last + 1


@dataclass
class HoldPeriods:
    """When the hold music was in the room (wall-clock seconds)."""

    periods: list[tuple[float, float]] = field(default_factory=list)
    since: float | None = None

    def started(self, at: float) -> None:
        if self.since is None:
            self.since = at

    def stopped(self, at: float) -> None:
        if self.since is not None:
            self.periods.append((self.since, at))
            self.since = None

    def covers(self, at: float) -> bool:
        if self.since is not None and at >= self.since:
            return True
        return any(start <= at <= end for start, end in self.periods)


class CallTranscriber:
    """One call room's transcription: a task per audio track, one ingest stream to the server."""

    def __init__(
        self,
        room: rtc.Room,
        speech: stt.STT[Any],
        client: Client,
        *,
        call_id: str,
        started_at: float,
    ) -> None:
        self._room = room
        self._stt = speech
        self._client = client
        self._call_id = call_id
        self._started_at = started_at
        self._seqs = SeqAllocator()
        self._hold = HoldPeriods()
        self.streamer = TranscriptStreamer(client, call_id)
        self._tracks: dict[str, asyncio.Task[None]] = {}  # track sid -> its transcription
        self._streams: dict[str, stt.RecognizeStream] = {}
        # Participant reports in order; None ends the reporter.
        self._reports: asyncio.Queue[call_service_pb2.RecordParticipantEventRequest | None] = (
            asyncio.Queue()
        )
        self._reporter: asyncio.Task[None] | None = None

    def start(self) -> None:
        room = self._room
        self.streamer.start()
        self._reporter = asyncio.create_task(self._report_loop())
        room.on("track_published", self._on_track_published)
        room.on("track_subscribed", self._on_track_subscribed)
        room.on("participant_connected", self._on_connected)
        room.on("participant_disconnected", self._on_disconnected)
        for participant in room.remote_participants.values():
            self._on_connected(participant)
            for publication in participant.track_publications.values():
                if publication.track is not None and publication.subscribed:
                    self._on_track_subscribed(publication.track, publication, participant)
                else:
                    self._on_track_published(publication, participant)

    async def drain(self, timeout: float = DRAIN_TIMEOUT_S) -> int:
        """Finish: close every track's utterance in progress, send the last segments and
        participant reports; returns how many final segments were left unacknowledged."""
        deadline = time.monotonic() + timeout
        for stream in self._streams.values():
            with contextlib.suppress(RuntimeError):
                stream.end_input()  # the STT closes the utterance in progress
        if self._tracks:
            await asyncio.wait(
                list(self._tracks.values()), timeout=max(0.1, deadline - time.monotonic())
            )
        if self._reporter is not None:
            self._reports.put_nowait(None)
            await asyncio.wait({self._reporter}, timeout=max(0.1, deadline - time.monotonic()))
            self._reporter.cancel()
        for task in self._tracks.values():
            task.cancel()
        return await self.streamer.aclose(timeout=max(0.1, deadline - time.monotonic()))

    # -- participants -------------------------------------------------------------------------

    def hold_changed(self, playing: bool, at: float) -> None:
        """The hold music started or stopped (at `at`, wall clock)."""
        if playing:
            self._hold.started(at)
        else:
            self._hold.stopped(at)

    def _on_connected(self, participant: rtc.RemoteParticipant) -> None:
        if participant.identity.startswith(WORKER_PREFIX):
            return
        self._report(participant.identity, call_pb2.PARTICIPANT_EVENT_KIND_JOINED)

    def _on_disconnected(self, participant: rtc.RemoteParticipant) -> None:
        if participant.identity.startswith(WORKER_PREFIX):
            return
        self._report(participant.identity, call_pb2.PARTICIPANT_EVENT_KIND_LEFT)

    def _report(self, identity: str, kind: int) -> None:
        request = call_service_pb2.RecordParticipantEventRequest(
            call_id=self._call_id,
            identity=identity,
            kind=kind,  # type: ignore[arg-type]
        )
        request.occurred_at.GetCurrentTime()
        self._reports.put_nowait(request)

    async def _report_loop(self) -> None:
        """Send participant reports in order, retrying while the server is unreachable."""
        while True:
            request = await self._reports.get()
            if request is None:
                return
            backoff = 0.2
            while True:
                try:
                    await self._client.calls.RecordParticipantEvent(request, timeout=10)
                    break
                except grpc.aio.AioRpcError as exc:
                    if exc.code() not in (
                        grpc.StatusCode.UNAVAILABLE,
                        grpc.StatusCode.DEADLINE_EXCEEDED,
                    ):
                        log.warning("participant report refused: %s", exc.details())
                        break
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    # -- audio --------------------------------------------------------------------------------

    def _on_track_published(
        self, publication: rtc.RemoteTrackPublication, participant: rtc.RemoteParticipant
    ) -> None:
        # Only people's audio is subscribed: the worker's own tracks (hold music, briefings)
        # are never received, so they cannot enter the transcript.
        if publication.kind == rtc.TrackKind.KIND_AUDIO and not participant.identity.startswith(
            WORKER_PREFIX
        ):
            publication.set_subscribed(True)

    def _on_track_subscribed(
        self,
        track: rtc.Track,
        publication: rtc.RemoteTrackPublication,
        participant: rtc.RemoteParticipant,
    ) -> None:
        if track.kind != rtc.TrackKind.KIND_AUDIO or track.sid in self._tracks:
            return
        if participant.identity.startswith(WORKER_PREFIX):
            return
        # A track unsubscribed (an agent on hold) and subscribed again gets a new task.
        sid = track.sid
        task = asyncio.create_task(self._transcribe(track, participant))
        self._tracks[sid] = task
        task.add_done_callback(
            lambda done: self._tracks.pop(sid, None) if self._tracks.get(sid) is done else None
        )

    async def _transcribe(self, track: rtc.Track, participant: rtc.RemoteParticipant) -> None:
        role = SPEAKER_ROLES.get(participant.attributes.get(ROLE_ATTRIBUTE, ""), 0)
        audio = rtc.AudioStream.from_track(track=track, sample_rate=STT_SAMPLE_RATE, num_channels=1)
        speech = self._stt.stream()
        self._streams[track.sid] = speech
        first_sample_at: list[float] = []

        async def pump() -> None:
            frames = aiter(audio)
            flushed = True
            try:
                while True:
                    try:
                        event = await asyncio.wait_for(anext(frames), STALL_S)
                    except TimeoutError:
                        if not flushed:
                            speech.flush()
                            flushed = True
                        continue
                    except StopAsyncIteration:
                        return
                    if not first_sample_at:
                        first_sample_at.append(time.time() - event.frame.duration)
                    speech.push_frame(event.frame)
                    flushed = False
            except RuntimeError:
                return  # the job is draining: the STT's input was ended for us
            finally:
                with contextlib.suppress(RuntimeError):
                    speech.end_input()

        pumping = asyncio.create_task(pump())
        try:
            async for event in speech:
                if event.type not in (
                    stt.SpeechEventType.FINAL_TRANSCRIPT,
                    stt.SpeechEventType.INTERIM_TRANSCRIPT,
                ):
                    continue
                if not event.alternatives or not event.alternatives[0].text.strip():
                    continue
                origin = first_sample_at[0] if first_sample_at else time.time()
                self._emit(
                    event.alternatives[0],
                    participant.identity,
                    role,
                    origin,
                    final=event.type == stt.SpeechEventType.FINAL_TRANSCRIPT,
                )
        finally:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pumping
            if self._streams.get(track.sid) is speech:
                del self._streams[track.sid]
            await audio.aclose()
            await speech.aclose()

    def _emit(
        self, data: stt.SpeechData, identity: str, role: int, origin: float, *, final: bool
    ) -> None:
        start, end = origin + data.start_time, origin + max(data.end_time, data.start_time)
        segment = transcript_pb2.TranscriptSegment(
            seq=self._seqs.next() if final else self._seqs.peek(),
            speaker_identity=identity,
            speaker_role=role,  # type: ignore[arg-type]
            text=data.text.strip(),
            is_final=final,
            on_hold=role == transcript_pb2.SPEAKER_ROLE_CALLER
            and self._hold.covers((start + end) / 2),
        )
        segment.start_offset.FromMicroseconds(max(0, int((start - self._started_at) * 1e6)))
        segment.end_offset.FromMicroseconds(max(0, int((end - self._started_at) * 1e6)))
        self.streamer.send(segment)


async def transcribe_call(
    ctx: JobContext,
    job: TranscribeJob,
    hearing: stt.STT[Any],
    voice: tts.TTS[Any],
    config: WorkerConfig,
) -> None:
    """The job's entrypoint for a `TranscribeJob`: runs until the room closes, then sends what
    is left (the job process stays up for the shutdown callback). It also plays the call's hold
    music (`hold`) and briefs its transfers (`briefing.CallRoomBriefer`) with `voice`."""
    client = Client(config.server, api_key=job.token)
    await ctx.connect(auto_subscribe=AutoSubscribe.SUBSCRIBE_NONE)
    transcriber = CallTranscriber(
        ctx.room, hearing, client, call_id=job.call_id, started_at=job.started_at or time.time()
    )
    hold = HoldMusic(ctx.room, transcriber.hold_changed)
    briefer = CallRoomBriefer(ctx.room, voice, config)

    async def finish(reason: str) -> None:
        # The last words first (EndCall waits for them); the player after, as unpublishing
        # from a room already closed can take a while.
        left = await transcriber.drain()
        await briefer.aclose()
        await hold.aclose()
        log.info(
            "call %s transcription over (%s); %d segments unacknowledged", job.call_id, reason, left
        )
        await client.close()

    ctx.add_shutdown_callback(finish)

    def metadata_changed(_old: str, new: str) -> None:  # the server's commands
        hold.follow(new)
        briefer.follow(new)

    ctx.room.on("room_metadata_changed", metadata_changed)
    transcriber.start()
    briefer.start()
    await hold.start()
