"""`build_stt()`: the worker's speech-to-text chosen from the environment.

With `DEEPGRAM_API_KEY` set: Deepgram streaming first, the offline Whisper STT as the fallback,
behind a livekit-agents `stt.FallbackAdapter` (a Deepgram outage, or a key that Deepgram
refuses, moves the stream to Whisper; the adapter probes Deepgram in the background and returns
to it once it recovers). Without the key: Whisper alone.

Optional variables: `DEEPGRAM_MODEL` (default nova-3), `DEEPGRAM_BASE_URL` (a Deepgram-compatible
endpoint, e.g. a proxy or an on-premises Deepgram), `WARMTRANSFER_STT_THREADS` (Whisper's
CPU threads per inference, default 2), `WARMTRANSFER_STT_SHORT_WINDOW_S` (the short window
Whisper tries first, default 10 s; 0 for none).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from livekit.agents import stt, vad

from . import whisper_stt
from .whisper_stt import Inference, WhisperSTT

if TYPE_CHECKING:
    import aiohttp

__all__ = ["DEEPGRAM_ENDPOINTING_MS", "build_stt", "short_window_s", "stt_threads", "whisper"]

DEEPGRAM_ENDPOINTING_MS = 300
"""Silence that ends an utterance at Deepgram: long enough that one sentence stays one segment
(Deepgram's own default, 25 ms, cuts segments at every breath)."""
ATTEMPT_TIMEOUT_S = 5.0
RETRY_INTERVAL_S = 0.5


def stt_threads(env: Mapping[str, str]) -> int:
    """Whisper's CPU threads per inference (`WARMTRANSFER_STT_THREADS`, default 2)."""
    raw = env.get("WARMTRANSFER_STT_THREADS") or "2"
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"WARMTRANSFER_STT_THREADS: {raw!r} is not a positive whole number")
    return int(raw)


def short_window_s(env: Mapping[str, str]) -> float | None:
    """The short window Whisper tries first, in seconds (`WARMTRANSFER_STT_SHORT_WINDOW_S`,
    default 10; 0: none, always the full 30 s; see `whisper_stt`)."""
    name = "WARMTRANSFER_STT_SHORT_WINDOW_S"
    raw = env.get(name) or str(whisper_stt.SHORT_WINDOW_S)
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 30:
        raise ValueError(f"{name}: {raw!r} is not a number of seconds from 0 to 30")
    return seconds or None


def whisper(
    env: Mapping[str, str], *, vad: vad.VAD | None = None, inference: Inference | None = None
) -> WhisperSTT:
    """Whisper as the environment configures it (threads and short window)."""
    return WhisperSTT(
        vad=vad,
        cpu_threads=stt_threads(env),
        short_window_s=short_window_s(env),
        inference=inference,
    )


def build_stt(
    env: Mapping[str, str],
    *,
    vad: vad.VAD | None = None,
    http_session: aiohttp.ClientSession | None = None,
    prewarm: bool = False,
    inference: Inference | None = None,
) -> stt.STT[Any]:
    """The STT for the worker: Deepgram with a Whisper fallback if keyed, else Whisper.

    Args:
        env: the environment (e.g. `os.environ`).
        vad: the VAD Whisper's streams cut utterances with; default: Silero's.
        http_session: the session the Deepgram plugin uses; default: the agent job's own.
        prewarm: load Whisper's model and the VAD now (blocking), as a worker does at start-up.
        inference: where Whisper's model runs, if not in this process (see `WhisperSTT`).
    """
    offline = whisper(env, vad=vad, inference=inference)
    if prewarm:
        offline.prewarm()
    api_key = env.get("DEEPGRAM_API_KEY", "").strip()
    if not api_key:
        return offline
    try:
        from livekit.plugins import deepgram
    except ImportError as e:
        raise ImportError(
            "DEEPGRAM_API_KEY is set but the Deepgram plugin is missing: "
            "install it with `pip install livekit-plugins-deepgram`"
        ) from e
    cloud = deepgram.STT(
        api_key=api_key,
        model=env.get("DEEPGRAM_MODEL") or "nova-3",
        base_url=env.get("DEEPGRAM_BASE_URL") or "https://api.deepgram.com/v1/listen",
        language="en-US",
        interim_results=True,
        punctuate=True,
        smart_format=True,
        endpointing_ms=DEEPGRAM_ENDPOINTING_MS,
        http_session=http_session,
    )
    # No retry before falling back: the adapter forwards live audio to the stream it is trying,
    # so every retry is speech lost. Whisper takes over at the first failure and the adapter
    # keeps probing Deepgram in the background.
    return stt.FallbackAdapter(
        [cloud, offline],
        attempt_timeout=ATTEMPT_TIMEOUT_S,
        max_retry_per_stt=0,
        retry_interval=RETRY_INTERVAL_S,
    )
