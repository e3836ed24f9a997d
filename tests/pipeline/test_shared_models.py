"""The models a worker's jobs share (`worker.shared_models`): Whisper and the Piper voice as
livekit-agents inference runners, and the STT and TTS that send them their work.

The runners here are the real ones, run in this process on threads, as the inference process
runs them; the worker's own inference process is exercised on a real livekit-server in
`tests/server/test_media_worker.py` and by every transcription test there.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import numpy as np
import pytest
from livekit.agents import Plugin, stt
from livekit.agents.inference_runner import _InferenceRunner

from tests.pipeline.test_transcription import WER_LIMIT, frames_of, pause, run_stream
from tests.speech import SAMPLE_RATE, Line, script_lines, word_error_rate
from warmtransfer.pipeline.transcription import whisper_stt
from warmtransfer.pipeline.transcription.providers import build_stt
from warmtransfer.pipeline.transcription.whisper_stt import WhisperSTT
from warmtransfer.pipeline.voice import piper_tts
from warmtransfer.pipeline.voice.piper_tts import PiperTTS, sentences
from warmtransfer.pipeline.voice.providers import build_tts
from warmtransfer.pipeline.worker import shared_models
from warmtransfer.pipeline.worker.shared_models import (
    PiperRunner,
    SharedInference,
    WhisperRunner,
)


class ThreadedRunners:
    """The inference process's part, in this process: each request runs its runner on a thread
    (the inference process has a thread per core). Records what it was asked and how many
    requests ran at once."""

    def __init__(self, *runners: _InferenceRunner) -> None:
        self._runners = {type(r).INFERENCE_METHOD: r for r in runners}
        self.requests: list[tuple[str, bytes]] = []
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def _run(self, method: str, data: bytes) -> bytes | None:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            return self._runners[method].run(data)
        finally:
            with self._lock:
                self.running -= 1

    async def do_inference(self, method: str, data: bytes) -> bytes | None:
        self.requests.append((method, data))
        return await asyncio.to_thread(self._run, method, data)


@pytest.fixture(scope="module")
def whisper_runner() -> WhisperRunner:
    runner = WhisperRunner()
    runner.initialize()
    return runner


@pytest.fixture(scope="module")
def piper_runner() -> PiperRunner:
    runner = PiperRunner()
    runner.initialize()
    return runner


@pytest.fixture(scope="module")
def lines() -> list[Line]:
    return asyncio.run(script_lines())


def shared(runners: ThreadedRunners) -> SharedInference:
    inference = SharedInference()
    inference.attach(runners)
    return inference


async def test_the_stt_transcribes_in_the_inference_process_and_holds_no_model(
    whisper_runner: WhisperRunner, lines: list[Line]
) -> None:
    runners = ThreadedRunners(whisper_runner)
    engine = build_stt({}, prewarm=True, inference=shared(runners))
    assert isinstance(engine, WhisperSTT)
    assert engine._model is None  # nothing loaded here: the VAD only

    pcm = np.concatenate([part for line in lines[:3] for part in (line.pcm, pause(1.0))])
    finals = await run_stream(engine, pcm)
    assert engine._model is None
    wer = word_error_rate([line.text for line in lines[:3]], [f.text for f in finals])
    assert wer <= WER_LIMIT, (wer, [f.text for f in finals])
    # One request per utterance, as 16 kHz mono PCM.
    assert len(runners.requests) == len(finals)
    assert {method for method, _ in runners.requests} == {whisper_stt.INFERENCE_METHOD}
    seconds = sum(len(data) for _, data in runners.requests) / 2 / whisper_stt.SAMPLE_RATE
    spoken = sum(len(line.pcm) for line in lines[:3]) / SAMPLE_RATE
    assert 0.8 * spoken < seconds < spoken + 3.0
    # The inference process decodes; the jobs cut utterances: it holds no VAD of its own.
    assert whisper_runner._stt._model is not None and whisper_runner._stt._vad is None


async def test_one_calls_utterances_go_one_at_a_time_and_in_order(
    whisper_runner: WhisperRunner, lines: list[Line]
) -> None:
    # The inference process runs requests side by side; one call's utterances must still come
    # back in the order they ended, so a call sends the next only once the last is back.
    runners = ThreadedRunners(whisper_runner)
    engine = WhisperSTT(inference=shared(runners))
    utterances = [lines[0], lines[1], lines[2]]
    texts = await asyncio.gather(*(engine.recognize(frames_of(line.pcm)) for line in utterances))
    assert runners.most_at_once == 1
    for line, event in zip(utterances, texts, strict=True):
        assert event.type == stt.SpeechEventType.FINAL_TRANSCRIPT
        assert word_error_rate([line.text], [event.alternatives[0].text]) <= WER_LIMIT
    # Two calls (two STTs) share the process at once.
    other = WhisperSTT(inference=shared(runners))
    runners.most_at_once = 0
    await asyncio.gather(
        engine.recognize(frames_of(lines[3].pcm)), other.recognize(frames_of(lines[4].pcm))
    )
    assert runners.most_at_once == 2


async def test_the_tts_sends_the_voice_one_sentence_at_a_time(
    piper_runner: PiperRunner,
) -> None:
    runners = ThreadedRunners(piper_runner)
    engine = build_tts({}, inference=shared(runners))
    assert isinstance(engine, PiperTTS)
    engine.prewarm()
    assert engine._voice is None  # nothing loaded here

    text = "Maria is calling about a double charge. She wants a refund! Is that possible?"
    frames = []
    async with engine.synthesize(text) as stream:
        async for audio in stream:
            frames.append(audio.frame)
    assert [data.decode() for _, data in runners.requests] == [
        "Maria is calling about a double charge.",
        "She wants a refund!",
        "Is that possible?",
    ]
    assert {method for method, _ in runners.requests} == {piper_tts.INFERENCE_METHOD}
    seconds = sum(f.samples_per_channel for f in frames) / engine.sample_rate
    assert 3.0 < seconds < 12.0  # fifteen words spoken
    pcm = np.concatenate([np.frombuffer(f.data, dtype=np.int16) for f in frames])
    assert np.abs(pcm).max() > 3000  # speech, not silence


def test_sentences_are_cut_after_their_ends_only() -> None:
    assert sentences("One. Two!  Three? four") == ["One.", "Two!", "Three?", "four"]
    assert sentences("It costs $4.50 in total.") == ["It costs $4.50 in total."]
    assert sentences("  ") == []


async def test_shared_inference_needs_a_job_and_an_answer() -> None:
    inference = SharedInference()
    with pytest.raises(RuntimeError, match="no inference process attached"):
        await inference(whisper_stt.INFERENCE_METHOD, b"")

    class Silent:
        async def do_inference(self, method: str, data: bytes) -> bytes | None:
            return None

    inference.attach(Silent())
    with pytest.raises(RuntimeError, match="returned nothing"):
        await inference(whisper_stt.INFERENCE_METHOD, b"")


@pytest.fixture
def clean_registry() -> Iterator[None]:
    runners = dict(_InferenceRunner.registered_runners)
    plugins = list(Plugin.registered_plugins)
    yield
    _InferenceRunner.registered_runners.clear()
    _InferenceRunner.registered_runners.update(runners)
    Plugin.registered_plugins[:] = plugins


@pytest.mark.usefixtures("clean_registry")
def test_register_adds_the_runners_and_the_preloaded_modules_once() -> None:
    shared_models.register()
    shared_models.register()
    registered = _InferenceRunner.registered_runners
    assert registered[whisper_stt.INFERENCE_METHOD] is WhisperRunner
    assert registered[piper_tts.INFERENCE_METHOD] is PiperRunner
    preloaded = [p for p in Plugin.registered_plugins if p.package == shared_models.PRELOADED]
    assert len(preloaded) == 1
