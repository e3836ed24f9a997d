"""Hold music, synthesized at start-up: no download, no bundled file, no licence to track.

A slow I-vi-IV-V progression in C major (Cmaj7, Am7, Fmaj7, G6; 80 bpm, one bar each, 12 s in
all) played by three soft voices: a sustained pad that crossfades from chord to chord, a sine
bass, and a quiet bell-like arpeggio on the beat. Every note has a smooth attack and a release to
silence, and whatever rings past the end of the loop is wrapped round to its start, so the loop is
exactly periodic: repeating it gives no click at the seam. The level is set to an RMS of -20 dBFS.

`hold_music_loop()` gives the loop as int16 samples; `hold_music_frames()` yields it as endless
`livekit.rtc.AudioFrame`s ready for an `rtc.AudioSource`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
from livekit import rtc

__all__ = [
    "HOLD_MUSIC_RMS_DBFS",
    "HOLD_MUSIC_SAMPLE_RATE",
    "LOOP_SECONDS",
    "hold_music_frames",
    "hold_music_loop",
]

HOLD_MUSIC_SAMPLE_RATE = 48_000
HOLD_MUSIC_RMS_DBFS = -20.0

_BPM = 80.0
_BEAT_S = 60.0 / _BPM
_BEATS_PER_CHORD = 4
# MIDI notes: (bass root, pad voicing, arpeggio over four beats); no sub-bass, which phones drop.
_CHORDS: tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...] = (
    (48, (55, 59, 64, 67), (72, 76, 79, 76)),  # Cmaj7: C3 | G3 B3 E4 G4 | C5 E5 G5 E5
    (45, (55, 60, 64, 69), (69, 72, 76, 72)),  # Am7:   A2 | G3 C4 E4 A4 | A4 C5 E5 C5
    (41, (53, 57, 60, 64), (69, 72, 77, 72)),  # Fmaj7: F2 | F3 A3 C4 E4 | A4 C5 F5 C5
    (43, (55, 59, 62, 64), (71, 74, 79, 74)),  # G6:    G2 | G3 B3 D4 E4 | B4 D5 G5 D5
)
LOOP_SECONDS = len(_CHORDS) * _BEATS_PER_CHORD * _BEAT_S  # 12.0

_FloatArray = npt.NDArray[np.float64]
_Int16Array = npt.NDArray[np.int16]


def _hz(midi: int) -> float:
    return 440.0 * float(2.0 ** ((midi - 69) / 12.0))


def _raised_cosine(n: int) -> _FloatArray:
    """0 -> 1 over n samples, with zero slope at both ends."""
    return 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / max(n, 1))


def _add_wrapped(out: _FloatArray, start: int, note: _FloatArray) -> None:
    """Add `note` into the circular buffer `out` from `start`, wrapping past the end."""
    n = len(out)
    idx = (start + np.arange(len(note))) % n
    np.add.at(out, idx, note)


def _pad_note(freq: float, sr: int, dur_s: float, attack_s: float, release_s: float) -> _FloatArray:
    """A warm sustained tone: two slightly detuned sines plus a soft octave, slow in and out."""
    n = round(dur_s * sr)
    t = np.arange(n) / sr
    tone = (
        np.sin(2 * np.pi * freq * t)
        + np.sin(2 * np.pi * (freq + 0.35) * t + 1.3)
        + 0.2 * np.sin(2 * np.pi * 2 * freq * t + 0.7)
    )
    env = np.ones(n)
    a, r = round(attack_s * sr), round(release_s * sr)
    env[:a] = _raised_cosine(a)
    env[n - r :] = _raised_cosine(r)[::-1]
    return tone * env


def _bell_note(freq: float, sr: int, dur_s: float) -> _FloatArray:
    """A soft mallet tone: 15 ms attack, exponential decay, faded to silence by `dur_s`."""
    n = round(dur_s * sr)
    t = np.arange(n) / sr
    tone = np.sin(2 * np.pi * freq * t) + 0.15 * np.sin(2 * np.pi * 2 * freq * t) * np.exp(
        -t / 0.15
    )
    env = np.exp(-t / 0.45)
    a, r = round(0.015 * sr), round(0.3 * sr)
    env[:a] *= _raised_cosine(a)
    env[n - r :] *= _raised_cosine(r)[::-1]
    return tone * env


@functools.lru_cache(maxsize=4)
def hold_music_loop(sample_rate: int = HOLD_MUSIC_SAMPLE_RATE) -> _Int16Array:
    """One seamless 12 s loop of hold music, mono int16 at `sample_rate` (read-only, cached)."""
    if sample_rate < 8000:
        raise ValueError(f"sample_rate too low for hold music: {sample_rate}")
    sr = sample_rate
    chord_s = _BEATS_PER_CHORD * _BEAT_S
    out = np.zeros(round(LOOP_SECONDS * sr))
    for i, (bass, pad, arpeggio) in enumerate(_CHORDS):
        chord_start = i * chord_s
        # Pad and bass outlast the bar by a second, crossfading into the next chord.
        for midi in pad:
            note = _pad_note(_hz(midi), sr, chord_s + 1.0, attack_s=0.9, release_s=1.4)
            _add_wrapped(out, round(chord_start * sr), 0.18 * note)
        bass_note = _pad_note(_hz(bass), sr, chord_s + 0.8, attack_s=0.3, release_s=1.2)
        _add_wrapped(out, round(chord_start * sr), 0.30 * bass_note)
        for beat, midi in enumerate(arpeggio):
            note = _bell_note(_hz(midi), sr, dur_s=1.6)
            _add_wrapped(out, round((chord_start + beat * _BEAT_S) * sr), 0.22 * note)
    out -= out.mean()
    target_rms = 10.0 ** (HOLD_MUSIC_RMS_DBFS / 20.0)
    out *= target_rms / float(np.sqrt(np.mean(out**2)))
    loop: _Int16Array = np.clip(np.round(out * 32767.0), -32767, 32767).astype(np.int16)
    loop.setflags(write=False)
    return loop


def hold_music_frames(
    sample_rate: int = HOLD_MUSIC_SAMPLE_RATE, frame_ms: int = 20
) -> Iterator[rtc.AudioFrame]:
    """Endless mono frames of `frame_ms` each, looping the hold music without a seam."""
    if frame_ms <= 0 or (sample_rate * frame_ms) % 1000:
        raise ValueError(f"{frame_ms} ms is not a whole number of samples at {sample_rate} Hz")
    return _frames(hold_music_loop(sample_rate), sample_rate, sample_rate * frame_ms // 1000)


def _frames(loop: _Int16Array, sample_rate: int, samples: int) -> Iterator[rtc.AudioFrame]:
    n = len(loop)
    pos = 0
    while True:
        end = pos + samples
        if end <= n:
            chunk = loop[pos:end]
        else:
            chunk = np.concatenate([loop[pos:], np.resize(loop, end - n)])
        pos = end % n
        yield rtc.AudioFrame(
            data=chunk.tobytes(),
            sample_rate=sample_rate,
            num_channels=1,
            samples_per_channel=samples,
        )
