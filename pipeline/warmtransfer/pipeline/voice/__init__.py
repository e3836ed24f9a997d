"""The worker's audio sources: offline Piper TTS, the ElevenLabs/Piper choice, and hold music.

- `PiperTTS` (piper_tts): offline livekit-agents TTS on a bundled Piper voice.
- `build_tts` (providers): ElevenLabs with a Piper fallback when keyed, else Piper.
- `hold_music_loop`, `hold_music_frames` (hold_music): synthesized, seamlessly looping music.
"""

from __future__ import annotations

from .hold_music import HOLD_MUSIC_SAMPLE_RATE, hold_music_frames, hold_music_loop
from .piper_tts import PiperTTS
from .providers import build_tts

__all__ = [
    "HOLD_MUSIC_SAMPLE_RATE",
    "PiperTTS",
    "build_tts",
    "hold_music_frames",
    "hold_music_loop",
]
