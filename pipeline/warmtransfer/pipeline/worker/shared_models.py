"""The models a media worker's jobs share: one copy of Whisper and of the Piper voice, in the
worker's one inference process (livekit-agents' inference executor).

Each job runs in a process of its own (a call's transcription, a transfer's briefing). Loaded
in each, Whisper, the voice and the VAD made a call cost about 450 MiB. Here the two large
models are loaded once per worker, in the process livekit-agents starts for inference runners:
a job's `WhisperSTT` and `PiperTTS` send it each utterance and each sentence
(`SharedInference`), and the job process keeps only what must follow the audio frame by frame
(Silero's VAD, a small model). The inference process runs requests on a thread per core, so
calls are transcribed side by side, each call's utterances in their order.

The worker also registers its own modules as a plugin package (`preload`): livekit-agents then
imports them in the fork server its job processes are forked from, so the processes share those
pages instead of each importing livekit-agents and the providers again.
"""

from __future__ import annotations

import os
import threading
from typing import ClassVar

from livekit.agents import Plugin
from livekit.agents.inference_runner import _InferenceRunner
from livekit.agents.ipc.inference_executor import InferenceExecutor

from warmtransfer.pipeline.transcription import whisper_stt
from warmtransfer.pipeline.transcription.providers import whisper
from warmtransfer.pipeline.transcription.whisper_stt import pcm_samples
from warmtransfer.pipeline.voice import piper_tts
from warmtransfer.pipeline.voice.piper_tts import PiperTTS

__all__ = ["PiperRunner", "SharedInference", "WhisperRunner", "register"]

PRELOADED = "warmtransfer.pipeline.worker.preload"
"""The module the fork server imports (the jobs' modules, with all they import) before forking
job processes."""


class WhisperRunner(_InferenceRunner):
    """Whisper in the inference process: mono int16 PCM at 16 kHz in, its text out."""

    INFERENCE_METHOD: ClassVar[str] = whisper_stt.INFERENCE_METHOD

    def initialize(self) -> None:
        self._stt = whisper(os.environ)
        self._stt.load_model()  # the inference process needs no VAD: the jobs cut utterances

    def run(self, data: bytes) -> bytes:
        return self._stt.transcribe_pcm(pcm_samples(data)).encode()


class PiperRunner(_InferenceRunner):
    """The Piper voice in the inference process: a sentence in, its speech out."""

    INFERENCE_METHOD: ClassVar[str] = piper_tts.INFERENCE_METHOD

    def initialize(self) -> None:
        self._tts = PiperTTS()
        self._tts.prewarm()

    def run(self, data: bytes) -> bytes:
        return self._tts.synthesize_pcm(data.decode())


class SharedInference:
    """A job process's way to the worker's inference process: made before the job (the
    prewarm builds the STT and TTS with it), `attach`ed to the job's executor when it starts."""

    def __init__(self) -> None:
        self._executor: InferenceExecutor | None = None

    def attach(self, executor: InferenceExecutor) -> None:
        self._executor = executor

    async def __call__(self, method: str, data: bytes) -> bytes:
        if self._executor is None:
            raise RuntimeError(f"{method}: no inference process attached (outside a job?)")
        result = await self._executor.do_inference(method, data)
        if result is None:
            raise RuntimeError(f"{method}: the inference process returned nothing")
        return result


class _WorkerModules(Plugin):
    def __init__(self) -> None:
        super().__init__("warmtransfer", "0", PRELOADED)


_registered = threading.Lock()


def register() -> None:
    """Register the runners and the preloaded modules (on the main thread, before the worker is
    made; once per process)."""
    with _registered:
        runners = _InferenceRunner.registered_runners
        for runner in (WhisperRunner, PiperRunner):
            if runner.INFERENCE_METHOD not in runners:
                _InferenceRunner.register_runner(runner)
        if not any(p.package == PRELOADED for p in Plugin.registered_plugins):
            Plugin.register_plugin(_WorkerModules())
