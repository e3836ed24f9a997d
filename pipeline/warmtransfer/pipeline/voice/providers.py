"""`build_tts()`: the worker's TTS chosen from the environment.

With `ELEVEN_API_KEY` set: ElevenLabs first, Piper as the offline fallback, behind a livekit-agents
`tts.FallbackAdapter`. The adapter outputs one sample rate (the highest of its TTSs' unless one is
given) and resamples the others itself, so Piper's 22.05 kHz and any ElevenLabs output format mix
without extra work here. Without the key: Piper alone.

Optional variables: `ELEVEN_VOICE_ID`, `ELEVEN_MODEL`, `ELEVEN_BASE_URL` (an ElevenLabs-compatible
endpoint, e.g. a proxy).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from livekit.agents import tts

from .piper_tts import Inference, PiperTTS

if TYPE_CHECKING:
    import aiohttp

__all__ = ["FALLBACK_RETRIES_PER_TTS", "build_tts"]

FALLBACK_RETRIES_PER_TTS = 1
"""Retries of one TTS before the adapter moves to the next: one, so a dead ElevenLabs delays the
briefing by one retry only (Piper's failures are not transient: retrying it helps little)."""


def build_tts(
    env: Mapping[str, str],
    *,
    sample_rate: int | None = None,
    http_session: aiohttp.ClientSession | None = None,
    inference: Inference | None = None,
) -> tts.TTS[Any]:
    """The TTS for the worker: ElevenLabs with a Piper fallback if keyed, else Piper.

    Args:
        env: the environment (e.g. `os.environ`); only the ELEVEN_* variables are read.
        sample_rate: output rate of the fallback adapter; default: the highest of its TTSs'.
            Ignored without ElevenLabs (Piper speaks at its voice's rate).
        http_session: the session the ElevenLabs plugin uses; default: the agent job's own
            (livekit-agents provides one inside a job; outside a job, pass one).
        inference: where Piper's voice runs, if not in this process (see `PiperTTS`).
    """
    api_key = env.get("ELEVEN_API_KEY", "").strip()
    piper = PiperTTS(inference=inference)
    if not api_key:
        return piper

    try:
        from livekit.plugins import elevenlabs
    except ImportError as e:
        raise ImportError(
            "ELEVEN_API_KEY is set but the ElevenLabs plugin is missing: "
            "install it with `pip install livekit-plugins-elevenlabs`"
        ) from e

    eleven = elevenlabs.TTS(
        api_key=api_key,
        voice_id=env.get("ELEVEN_VOICE_ID") or elevenlabs.tts.DEFAULT_VOICE_ID,
        model=env.get("ELEVEN_MODEL") or "eleven_turbo_v2_5",
        base_url=env.get("ELEVEN_BASE_URL") or elevenlabs.tts.API_BASE_URL_V1,
        http_session=http_session,
    )
    return tts.FallbackAdapter(
        [eleven, piper], max_retry_per_tts=FALLBACK_RETRIES_PER_TTS, sample_rate=sample_rate
    )
