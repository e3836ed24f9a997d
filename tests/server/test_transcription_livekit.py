"""Live transcription on a real livekit-server: the media worker (its own process) hears a
caller and an agent, each speaking the scripted support call (synthesized offline by Piper), and
streams speaker-labelled segments into the server; hold music never becomes a segment; a server
killed mid-call and down for over a minute loses and duplicates nothing.

Word error rates are printed (run with -s to see them) and asserted against 0.25.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
import numpy as np
import pytest

from tests.deepgram_protocol import running_deepgram
from tests.livekit_server import LiveKitServer, running_worker
from tests.server.helpers import wait_for_event
from tests.server.livekit_helpers import AGENT, CALLER, Speaker, new_call, token
from tests.server.processes import free_port, start_server_process, stop_server_process
from tests.speech import SAMPLE_RATE, Line, script_lines, word_error_rate
from warmtransfer.client import Client
from warmtransfer.pipeline.transcription.whisper_stt import WhisperSTT
from warmtransfer.server.app import RunningServer
from warmtransfer.v1 import call_pb2, call_service_pb2, transcript_pb2, transcript_service_pb2

pytestmark = pytest.mark.slow

WER_LIMIT = 0.25
TURN_GAP_S = 0.7
ROLES = {"caller": transcript_pb2.SPEAKER_ROLE_CALLER, "agent": transcript_pb2.SPEAKER_ROLE_AGENT}
IDENTITIES = {"caller": "maria", "agent": "agent-a"}
Event = transcript_service_pb2.WatchCallResponse


@pytest.fixture(scope="module")
def lines() -> list[Line]:
    return asyncio.run(script_lines())


class Watch:
    """Every event of a call, collected in the background from WatchCall (resuming from its
    cursor when the server restarts)."""

    def __init__(self, client: Client, call_id: str) -> None:
        self.client, self.call_id = client, call_id
        self.events: list[Event] = []
        self._more = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        cursor = ""
        while True:
            request = transcript_service_pb2.WatchCallRequest(
                call_id=self.call_id, after_cursor=cursor
            )
            try:
                async for event in self.client.transcripts.WatchCall(request):
                    cursor = event.cursor or cursor
                    self.events.append(event)
                    self._more.set()
                return
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.UNAVAILABLE:
                    raise
                await asyncio.sleep(0.2)  # the server is restarting: reconnect soon

    @property
    def interims(self) -> list[transcript_pb2.TranscriptSegment]:
        return [e.segment_interim.segment for e in self.events if e.HasField("segment_interim")]

    @property
    def segments(self) -> list[transcript_pb2.TranscriptSegment]:
        return [e.segment_added.segment for e in self.events if e.HasField("segment_added")]

    def participants(self) -> list[tuple[str, int]]:
        return [
            (e.participant_changed.participant.identity, e.participant_changed.kind)
            for e in self.events
            if e.HasField("participant_changed")
        ]

    async def until(self, condition: Callable[[], bool], timeout: float = 120) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                self._more.clear()
                if self._task.done():
                    self._task.result()
                    raise AssertionError("the watch ended")
                await self._more.wait()

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@dataclass
class Conversation:
    call: call_pb2.Call
    watch: Watch
    speakers: dict[str, Speaker]


@contextlib.asynccontextmanager
async def conversation(client: Client, livekit: LiveKitServer) -> AsyncIterator[Conversation]:
    """A new call, watched, with the caller and the agent in its room, both heard by the worker
    (it has reported them joining)."""
    call = await new_call(client)
    watch = Watch(client, call.call_id)
    speakers: dict[str, Speaker] = {}
    try:
        for speaker, role in (("caller", CALLER), ("agent", AGENT)):
            identity = IDENTITIES[speaker]
            jwt = await token(client, call.call_id, identity, role)
            speakers[speaker] = await Speaker(identity, SAMPLE_RATE).join(livekit.url, jwt)
        joined = call_pb2.PARTICIPANT_EVENT_KIND_JOINED
        await watch.until(
            lambda: {("maria", joined), ("agent-a", joined)} <= set(watch.participants())
        )
        yield Conversation(call, watch, speakers)
    finally:
        await watch.close()
        for each in speakers.values():
            with contextlib.suppress(Exception):
                await each.leave()


async def speak(speakers: dict[str, Speaker], lines: list[Line]) -> None:
    for line in lines:
        await speakers[line.speaker].say(line.pcm)
        await speakers[line.speaker].say(np_silence(TURN_GAP_S))


def np_silence(seconds: float) -> np.ndarray:
    return np.zeros(int(SAMPLE_RATE * seconds), dtype=np.int16)


Turn = tuple[str, str]  # (speaker identity, what they said)


def turns_of(segments: list[transcript_pb2.TranscriptSegment]) -> list[Turn]:
    """Consecutive segments of one speaker as one turn: a pause inside a sentence may end a
    segment (that is the VAD's job), which is not a recognition error."""
    turns: list[Turn] = []
    for s in segments:
        if turns and turns[-1][0] == s.speaker_identity:
            turns[-1] = (s.speaker_identity, f"{turns[-1][1]} {s.text}")
        else:
            turns.append((s.speaker_identity, s.text))
    return turns


def script_turns(lines: list[Line]) -> list[Turn]:
    turns: list[Turn] = []
    for line in lines:
        who = IDENTITIES[line.speaker]
        if turns and turns[-1][0] == who:
            turns[-1] = (who, f"{turns[-1][1]} {line.text}")
        else:
            turns.append((who, line.text))
    return turns


def all_said(watch: Watch, lines: list[Line]) -> Callable[[], bool]:
    """Whether the watch has every turn of `lines`, the last one complete."""
    expected = script_turns(lines)

    def check() -> bool:
        got = turns_of(watch.segments)
        if len(got) < len(expected):
            return False
        last = got[len(expected) - 1][1]
        return word_error_rate([expected[-1][1]], [last]) <= WER_LIMIT

    return check


def check_transcript(
    segments: list[transcript_pb2.TranscriptSegment], lines: list[Line], label: str
) -> float:
    got, expected = turns_of(segments), script_turns(lines)
    assert [who for who, _ in got] == [who for who, _ in expected], got
    roles = {IDENTITIES[line.speaker]: ROLES[line.speaker] for line in lines}
    assert all(s.speaker_role == roles[s.speaker_identity] for s in segments)
    seqs = [s.seq for s in segments]
    assert seqs == sorted(set(seqs)), "seqs increase, no duplicates"
    starts = [s.start_offset.ToMilliseconds() for s in segments]
    assert starts == sorted(starts)
    assert all(s.end_offset.ToMilliseconds() > s.start_offset.ToMilliseconds() for s in segments)
    wer = word_error_rate([line.text for line in lines], [s.text for s in segments])
    print(f"\n{label}: word error rate {wer:.3f} over {len(lines)} utterances")
    for s in segments:
        print(f"  {s.speaker_identity:8} {s.text}")
    assert wer <= WER_LIMIT
    return wer


def livekit_env(livekit: LiveKitServer) -> dict[str, str]:
    return {
        "LIVEKIT_URL": livekit.url,
        "LIVEKIT_API_KEY": livekit.api_key,
        "LIVEKIT_API_SECRET": livekit.api_secret,
    }


@pytest.fixture
async def worker(livekit: LiveKitServer, wt_server: RunningServer) -> AsyncIterator[None]:
    async with running_worker(livekit, f"127.0.0.1:{wt_server.port}"):
        yield


async def test_two_speakers_transcribed_in_order(
    worker: None, wt: Client, livekit: LiveKitServer, lines: list[Line]
) -> None:
    async with conversation(wt, livekit) as talk:
        await speak(talk.speakers, lines)
        await talk.watch.until(all_said(talk.watch, lines))
        check_transcript(talk.watch.segments, lines, "two speakers")
        assert not any(s.on_hold for s in talk.watch.segments)
        heard = len(talk.watch.segments)

        await talk.speakers["caller"].leave()
        left = call_pb2.PARTICIPANT_EVENT_KIND_LEFT
        await talk.watch.until(lambda: ("maria", left) in talk.watch.participants())
        assert len(talk.watch.segments) == heard


async def test_the_last_words_before_the_hang_up_are_in_the_final_summary(
    worker: None, wt: Client, livekit: LiveKitServer, lines: list[Line]
) -> None:
    said = lines[:3]
    assert said[-1].speaker == "caller"
    async with conversation(wt, livekit) as talk:
        call_id = talk.call.call_id
        await speak(talk.speakers, said[:-1])
        await talk.watch.until(all_said(talk.watch, said[:-1]))
        # The caller's goodbye; the call is ended the moment its last sample is played, before
        # it can have been recognized (the VAD alone waits half a second for the end).
        await talk.speakers["caller"].say(said[-1].pcm)
        await wt.calls.EndCall(call_service_pb2.EndCallRequest(call_id=call_id))
        # WatchCall has it before the call's end closes the stream ...
        await talk.watch.until(all_said(talk.watch, said))
        last_seq = talk.watch.segments[-1].seq
        assert talk.watch.segments[-1].speaker_identity == "maria"

        def ended_at() -> list[int]:
            return [
                i
                for i, e in enumerate(talk.watch.events)
                if e.call_state_changed.call.state == call_pb2.CALL_STATE_ENDED
            ]

        await talk.watch.until(lambda: bool(ended_at()))
        ended = ended_at()
        added = [i for i, e in enumerate(talk.watch.events) if e.segment_added.segment.seq]
        assert ended and added[-1] < ended[0]
        # ... and the final summary read it.
        event = await wait_for_event(wt, call_id, lambda e: e.summary_updated.summary.final)
        assert event.summary_updated.summary.covered_through_seq == last_seq


async def test_hold_music_is_not_transcribed_and_the_held_caller_is(
    worker: None, wt: Client, livekit: LiveKitServer, lines: list[Line]
) -> None:
    async with conversation(wt, livekit) as talk:
        await speak(talk.speakers, lines[:2])
        await talk.watch.until(all_said(talk.watch, lines[:2]))
        before = len(talk.watch.segments)

        call_id = talk.call.call_id
        await wt.calls.HoldCall(call_service_pb2.HoldCallRequest(call_id=call_id))
        # The caller hears the music for a good while (1,000 frames: 10 s) ...
        await talk.speakers["caller"].wait_heard(1000, timeout=90)
        # ... then speaks while still on hold: that, and only that, is transcribed.
        await speak(talk.speakers, [lines[6]])
        await talk.watch.until(all_said(talk.watch, [*lines[:2], lines[6]]))
        await wt.calls.ResumeCall(call_service_pb2.ResumeCallRequest(call_id=call_id))
        await speak(talk.speakers, [lines[7]])
        await talk.watch.until(all_said(talk.watch, [*lines[:2], lines[6], lines[7]]))
        segments = talk.watch.segments
        held = [s for s in segments[before:] if s.speaker_identity == "maria"]
        after = [s for s in segments[before:] if s.speaker_identity != "maria"]
        assert held and all(s.on_hold for s in held)
        assert word_error_rate([lines[6].text], [s.text for s in held]) <= WER_LIMIT
        assert after and not any(s.on_hold for s in after)
        # The hold music never became a segment, and its player is never a speaker.
        assert [who for who, _ in turns_of(segments)] == ["maria", "agent-a", "maria", "agent-a"]


async def test_a_server_down_for_a_minute_mid_call_loses_and_duplicates_nothing(
    livekit: LiveKitServer, lines: list[Line], tmp_path: Path
) -> None:
    port = free_port()
    data_dir = tmp_path / "data"
    process = await start_server_process(data_dir, port, **livekit_env(livekit))
    client = Client(f"127.0.0.1:{port}", api_key="key-a")
    try:
        async with (
            running_worker(livekit, f"127.0.0.1:{port}"),
            conversation(client, livekit) as talk,
        ):
            await speak(talk.speakers, lines[:3])
            await talk.watch.until(all_said(talk.watch, lines[:3]))

            process.send_signal(signal.SIGKILL)
            await process.wait()
            down_since = time.monotonic()
            # The server stays down for more than a minute while the call goes on.
            while_down: list[Line] = []
            while sum(len(line.pcm) / SAMPLE_RATE + TURN_GAP_S for line in while_down) < 62:
                while_down += lines[3:6]
            await speak(talk.speakers, while_down)
            process = await start_server_process(data_dir, port, **livekit_env(livekit))
            assert time.monotonic() - down_since >= 60
            await speak(talk.speakers, lines[6:])
            spoken = lines[:3] + while_down + lines[6:]
            await talk.watch.until(all_said(talk.watch, spoken))

            stored = await client.transcripts.GetTranscript(
                transcript_service_pb2.GetTranscriptRequest(call_id=talk.call.call_id)
            )
            check_transcript(list(stored.segments), spoken, "server down for a minute")
            assert [s.seq for s in talk.watch.segments] == [s.seq for s in stored.segments]
    finally:
        await client.close()
        await stop_server_process(process)


async def test_deepgram_by_configuration_alone(
    wt_server: RunningServer, wt: Client, livekit: LiveKitServer, lines: list[Line]
) -> None:
    """The worker configured for Deepgram (pointed at a local server speaking Deepgram's live
    protocol, which recognizes with Whisper) streams interim results, then finals, per speaker."""
    recognizer = WhisperSTT()
    recognizer.prewarm()
    async with running_deepgram("dg-key", recognizer) as deepgram:
        config = {"DEEPGRAM_API_KEY": "dg-key", "DEEPGRAM_BASE_URL": deepgram.url}
        async with (
            running_worker(livekit, f"127.0.0.1:{wt_server.port}", config),
            conversation(wt, livekit) as talk,
        ):
            await speak(talk.speakers, lines[:4])
            await talk.watch.until(all_said(talk.watch, lines[:4]))
            check_transcript(talk.watch.segments, lines[:4], "Deepgram protocol")
    # One Deepgram stream per speaker, and everything said went through them.
    assert len(deepgram.sessions) == 2
    assert all(s.authorization == "Token dg-key" for s in deepgram.sessions)
    assert sorted(r for s in deepgram.sessions for r in s.results) == sorted(
        s.text for s in talk.watch.segments
    )
    # Interim results reached watchers before their finals, with the seq the final took.
    finals = {s.seq: s for s in talk.watch.segments}
    assert talk.watch.interims
    for interim in talk.watch.interims:
        assert interim.seq in finals
        assert interim.speaker_identity == finals[interim.seq].speaker_identity
