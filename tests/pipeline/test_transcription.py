"""Offline speech-to-text: Whisper (tiny.en, shipped on PyPI) made streaming with Silero's VAD,
and the Deepgram-or-Whisper choice.

Real audio throughout: the scripted support call synthesized by Piper. The Deepgram endpoint is
pointed at a closed local port for the fallback test (the cloud cannot be reached from here).
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from typing import Any

import aiohttp
import numpy as np
import pytest
from livekit import rtc
from livekit.agents import stt

from tests.deepgram_protocol import running_deepgram
from tests.speech import SAMPLE_RATE, Line, script_lines, word_error_rate
from warmtransfer.pipeline.transcription import whisper_stt
from warmtransfer.pipeline.transcription.providers import build_stt, short_window_s
from warmtransfer.pipeline.transcription.whisper_stt import WhisperSTT, pcm_samples, to_mono_16k
from warmtransfer.pipeline.worker.transcribe import HoldPeriods, SeqAllocator

PAUSE_S = 1.0
WER_LIMIT = 0.25


@pytest.fixture(scope="module")
def whisper() -> WhisperSTT:
    engine = WhisperSTT()
    engine.prewarm()
    return engine


@pytest.fixture(scope="module")
def lines() -> list[Line]:
    return asyncio.run(script_lines())


def frames_of(pcm: np.ndarray) -> list[rtc.AudioFrame]:
    step = SAMPLE_RATE // 50  # 20 ms
    return [
        rtc.AudioFrame(pcm[i : i + step].tobytes(), SAMPLE_RATE, 1, len(pcm[i : i + step]))
        for i in range(0, len(pcm), step)
    ]


def pause(seconds: float) -> np.ndarray:
    return np.zeros(int(SAMPLE_RATE * seconds), dtype=np.int16)


async def run_stream(
    engine: stt.STT[Any], pcm: np.ndarray, *, speedup: float | None = None
) -> list[stt.SpeechData]:
    """Push the audio (as fast as it goes, or `speedup` times real time), end the input,
    collect the finals."""
    stream = engine.stream()

    async def push() -> None:
        for frame in frames_of(pcm):
            stream.push_frame(frame)
            if speedup is not None:
                await asyncio.sleep(frame.duration / speedup)
        stream.end_input()

    pushing = asyncio.create_task(push())
    finals = []
    async with asyncio.timeout(120):
        async for event in stream:
            if event.type == stt.SpeechEventType.FINAL_TRANSCRIPT:
                finals.append(event.alternatives[0])
    await pushing
    await stream.aclose()
    return finals


@pytest.mark.slow
async def test_finals_follow_the_utterances_with_their_times(
    whisper: WhisperSTT, lines: list[Line]
) -> None:
    pcm = np.concatenate([part for line in lines for part in (line.pcm, pause(PAUSE_S))])
    finals = await run_stream(whisper, pcm)

    wer = word_error_rate([line.text for line in lines], [f.text for f in finals])
    assert wer <= WER_LIMIT, (wer, [f.text for f in finals])
    # Piper's pauses vary from run to run: a long one inside a sentence may end a final there.
    # So each final must lie within one line's place in the audio (within the VAD's padding),
    # and every line must start one final and end one.
    spans, at = [], 0.0
    for line in lines:
        spans.append((at, at + len(line.pcm) / SAMPLE_RATE))
        at = spans[-1][1] + PAUSE_S
    assert len(lines) <= len(finals) <= len(lines) + 2, [f.text for f in finals]
    for final in finals:
        assert any(
            start - 0.6 < final.start_time and final.end_time < end + 0.6 for start, end in spans
        ), (final.text, final.start_time, final.end_time)
    for start, end in spans:
        assert any(abs(f.start_time - start) < 0.6 for f in finals), start
        assert any(abs(f.end_time - end) < 0.6 for f in finals), end


async def test_an_utterance_cut_off_by_the_end_of_input_is_kept(
    whisper: WhisperSTT, lines: list[Line]
) -> None:
    # The speaker leaves mid-sentence: no trailing silence at all.
    finals = await run_stream(whisper, lines[0].pcm[: len(lines[0].pcm) * 2 // 3])
    assert finals
    assert "internet" in " ".join(f.text for f in finals).lower()


async def test_recognize_a_buffer(whisper: WhisperSTT, lines: list[Line]) -> None:
    event = await whisper.recognize(frames_of(lines[2].pcm))
    assert event.type == stt.SpeechEventType.FINAL_TRANSCRIPT
    assert word_error_rate([lines[2].text], [event.alternatives[0].text]) <= WER_LIMIT


async def test_silence_and_noise_give_no_segments(whisper: WhisperSTT) -> None:
    rng = np.random.default_rng(7)
    noise = (rng.normal(0, 300, SAMPLE_RATE * 3)).astype(np.int16)  # steady hiss, -40 dBFS
    assert await run_stream(whisper, np.concatenate([pause(2.0), noise])) == []


def test_without_a_key_the_stt_is_whisper() -> None:
    assert isinstance(build_stt({}), WhisperSTT)


def test_with_a_key_deepgram_comes_first_and_whisper_second() -> None:
    engine = build_stt({"DEEPGRAM_API_KEY": "dg-test"})
    assert isinstance(engine, stt.FallbackAdapter)
    providers = [s.provider for s in engine._stt_instances]
    assert providers == ["Deepgram", "faster-whisper"]


def free_closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_unreachable_deepgram_falls_back_to_whisper(lines: list[Line]) -> None:
    env = {
        "DEEPGRAM_API_KEY": "dg-test",
        "DEEPGRAM_BASE_URL": f"ws://127.0.0.1:{free_closed_port()}/v1/listen",
    }
    async with aiohttp.ClientSession() as session:
        engine = build_stt(env, http_session=session)
        assert isinstance(engine, stt.FallbackAdapter)
        changes: list[tuple[str, bool]] = []
        engine.on(
            "stt_availability_changed", lambda ev: changes.append((ev.stt.provider, ev.available))
        )
        pcm = np.concatenate([pause(0.5), lines[0].pcm, pause(PAUSE_S), lines[1].pcm, pause(1)])
        # Live audio arrives paced: the failure is found within the first frames.
        finals = await run_stream(engine, pcm, speedup=10)
        await engine.aclose()

    assert ("Deepgram", False) in changes
    assert len(finals) >= 2, [f.text for f in finals]
    assert word_error_rate([lines[0].text, lines[1].text], [f.text for f in finals]) <= WER_LIMIT


async def run_events(engine: stt.STT[Any], pcm: np.ndarray) -> list[stt.SpeechEvent]:
    stream = engine.stream()

    async def push() -> None:
        for frame in frames_of(pcm):
            stream.push_frame(frame)
            await asyncio.sleep(frame.duration / 10)
        stream.end_input()

    pushing = asyncio.create_task(push())
    events = []
    async with asyncio.timeout(120):
        async for event in stream:
            events.append(event)
    await pushing
    await stream.aclose()
    return events


@pytest.mark.slow
async def test_deepgram_wire_path_against_a_local_deepgram_protocol_server(
    whisper: WhisperSTT, lines: list[Line]
) -> None:
    """The plugin as configured by build_stt talks Deepgram's streaming protocol correctly: auth
    header, query, PCM audio, interim then final results, CloseStream. (The local server
    recognizes with Whisper: this tests the wiring, not Deepgram's accuracy.)"""
    async with running_deepgram("dg-good", whisper) as deepgram:
        env = {"DEEPGRAM_API_KEY": "dg-good", "DEEPGRAM_BASE_URL": deepgram.url}
        async with aiohttp.ClientSession() as session:
            engine = build_stt(env, http_session=session)
            changes: list[object] = []
            engine.on("stt_availability_changed", changes.append)
            pcm = np.concatenate([pause(0.3), lines[0].pcm, pause(PAUSE_S), lines[1].pcm])
            events = await run_events(engine, np.concatenate([pcm, pause(1.0)]))
            await engine.aclose()

    assert changes == []  # Deepgram stayed in use
    [dg] = deepgram.sessions
    assert dg.authorization == "Token dg-good"
    assert dg.query["encoding"] == "linear16" and dg.query["sample_rate"] == "16000"
    assert dg.query["model"] == "nova-3" and dg.query["endpointing"] == "300"
    assert dg.query["interim_results"] == "true" and dg.query["smart_format"] == "true"
    assert dg.audio_bytes >= len(pcm) * 2 * 16000 // SAMPLE_RATE * 0.9  # all the audio
    assert "CloseStream" in dg.control
    kinds = [e.type for e in events]
    assert stt.SpeechEventType.INTERIM_TRANSCRIPT in kinds
    finals = [e.alternatives[0] for e in events if e.type == stt.SpeechEventType.FINAL_TRANSCRIPT]
    assert [f.text for f in finals] == dg.results
    assert word_error_rate([lines[0].text, lines[1].text], [f.text for f in finals]) <= WER_LIMIT
    assert finals[1].start_time > finals[0].end_time  # word times carried through


async def test_deepgram_refusing_the_key_falls_back_to_whisper(
    whisper: WhisperSTT, lines: list[Line]
) -> None:
    async with running_deepgram("dg-good", whisper) as deepgram:
        env = {"DEEPGRAM_API_KEY": "dg-revoked", "DEEPGRAM_BASE_URL": deepgram.url}
        async with aiohttp.ClientSession() as session:
            engine = build_stt(env, http_session=session)
            assert isinstance(engine, stt.FallbackAdapter)
            changes: list[tuple[str, bool]] = []
            engine.on(
                "stt_availability_changed",
                lambda ev: changes.append((ev.stt.provider, ev.available)),
            )
            pcm = np.concatenate([pause(0.5), lines[2].pcm, pause(1.0)])
            finals = await run_stream(engine, pcm, speedup=10)
            await engine.aclose()
    assert deepgram.sessions and deepgram.sessions[0].authorization == "Token dg-revoked"
    assert ("Deepgram", False) in changes
    assert word_error_rate([lines[2].text], [f.text for f in finals]) <= WER_LIMIT


def transcribe(engine: WhisperSTT, pcm: np.ndarray) -> str:
    """`pcm` (Piper's rate) as 16 kHz float samples, transcribed."""
    frame = rtc.AudioFrame(pcm.tobytes(), SAMPLE_RATE, 1, len(pcm))
    return engine.transcribe_pcm(pcm_samples(bytes(to_mono_16k(frame).data)))


def test_a_short_utterance_is_decoded_in_the_short_window(
    whisper: WhisperSTT, lines: list[Line]
) -> None:
    before = dataclasses.replace(whisper.windows)
    text = transcribe(whisper, lines[2].pcm)
    assert word_error_rate([lines[2].text], [text]) <= WER_LIMIT, text
    assert whisper.windows.short == before.short + 1
    assert whisper.windows.full_after_short == before.full_after_short
    assert whisper.windows.full == before.full


def test_a_short_window_text_not_kept_is_decoded_again_on_the_full_window(
    whisper: WhisperSTT, lines: list[Line], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whisper_stt, "MIN_AVG_LOGPROB", 0.0)  # no text is that certain
    before = dataclasses.replace(whisper.windows)
    text = transcribe(whisper, lines[2].pcm)
    assert word_error_rate([lines[2].text], [text]) <= WER_LIMIT, text
    assert whisper.windows.full_after_short == before.full_after_short + 1
    assert whisper.windows.short == before.short


def test_an_utterance_longer_than_the_short_window_is_decoded_on_the_full_one(
    whisper: WhisperSTT, lines: list[Line]
) -> None:
    pcm = np.concatenate([line.pcm for line in lines[:3]])
    assert len(pcm) / SAMPLE_RATE + 1.0 > whisper_stt.SHORT_WINDOW_S
    before = dataclasses.replace(whisper.windows)
    text = transcribe(whisper, pcm)
    assert word_error_rate([line.text for line in lines[:3]], [text]) <= WER_LIMIT, text
    assert whisper.windows.full == before.full + 1
    assert whisper.windows.short == before.short


def test_no_samples_is_no_text(whisper: WhisperSTT) -> None:
    before = dataclasses.replace(whisper.windows)
    assert whisper.transcribe_pcm(np.zeros(0, dtype=np.float32)) == ""
    assert whisper.windows == before  # nothing decoded


def test_the_short_window_is_configured_by_the_environment() -> None:
    assert short_window_s({}) == whisper_stt.SHORT_WINDOW_S
    assert short_window_s({"WARMTRANSFER_STT_SHORT_WINDOW_S": "0"}) is None
    assert short_window_s({"WARMTRANSFER_STT_SHORT_WINDOW_S": "12.5"}) == 12.5
    for raw in ("ten", "-1", "31", "nan"):
        with pytest.raises(ValueError, match="WARMTRANSFER_STT_SHORT_WINDOW_S"):
            short_window_s({"WARMTRANSFER_STT_SHORT_WINDOW_S": raw})


def test_a_bad_thread_count_names_the_variable() -> None:
    for raw in ("two", "0", "-1"):
        with pytest.raises(ValueError, match="WARMTRANSFER_STT_THREADS"):
            build_stt({"WARMTRANSFER_STT_THREADS": raw})


def test_seqs_increase_and_a_later_job_starts_above_an_earlier_one() -> None:
    first = SeqAllocator()
    seqs = [first.next() for _ in range(1000)]
    assert seqs == sorted(set(seqs))
    assert first.peek() == seqs[-1] + 1
    # Seqs start at the job's start time in ms: a job restarted later starts above this one.
    assert abs(seqs[0] - time.time() * 1000) < 5_000


def test_hold_periods() -> None:
    hold = HoldPeriods()
    assert not hold.covers(5.0)
    hold.started(10.0)
    assert hold.covers(11.0) and not hold.covers(9.0)
    hold.stopped(20.0)
    hold.started(30.0)
    assert hold.covers(15.0) and not hold.covers(25.0) and hold.covers(35.0)


async def test_a_flush_closes_the_utterance_in_progress(
    whisper: WhisperSTT, lines: list[Line]
) -> None:
    stream = whisper.stream()
    for frame in frames_of(lines[0].pcm):  # no silence after it: the utterance stays open
        stream.push_frame(frame)
    stream.flush()  # the input stalled (a muted track): the worker flushes
    heard: list[str] = []
    async with asyncio.timeout(60):  # the whole line arrives before any further input
        async for event in stream:
            if event.type == stt.SpeechEventType.FINAL_TRANSCRIPT:
                heard.append(event.alternatives[0].text)
                if word_error_rate([lines[0].text], heard) <= WER_LIMIT:
                    break
    stream.end_input()
    await stream.aclose()
