"""The worker's audio sources: Piper TTS, the ElevenLabs-or-Piper choice, and hold music.

All offline: Piper's voice ships in a package, and the ElevenLabs path is pointed at a closed
local port, so its failure (and the fallback to Piper) is immediate and deterministic.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import numpy as np
import numpy.typing as npt
import pytest
from livekit import rtc
from livekit.agents import APIConnectOptions, tts
from piper import AudioChunk, PiperVoice, SynthesisConfig

from warmtransfer.pipeline.voice import PiperTTS, build_tts, hold_music_frames, hold_music_loop
from warmtransfer.pipeline.voice.hold_music import HOLD_MUSIC_RMS_DBFS, LOOP_SECONDS

BRIEFING = "The caller is asking about a double charge on her March bill."
MULTI_SENTENCE = (
    "The caller is asking about a double charge on her March bill. "
    "She was billed twice for the same plan. "
    "She has already checked her bank statement. "
    "She would like a refund to her card. "
    "Her account number is on file."
)
FAST_RETRY = APIConnectOptions(max_retry=0, timeout=2.0, retry_interval=0.05)

# --- helpers -------------------------------------------------------------------------------


@dataclass
class Synthesis:
    samples: npt.NDArray[np.int16]
    sample_rate: int
    num_channels: int
    first_frame_s: float
    total_s: float
    frame_times: list[float]


async def synthesize(engine: tts.TTS[Any], text: str, **kwargs: Any) -> Synthesis:
    frames: list[rtc.AudioFrame] = []
    times: list[float] = []
    start = time.perf_counter()
    async with engine.synthesize(text, **kwargs) as stream:
        async for ev in stream:
            times.append(time.perf_counter())
            frames.append(ev.frame)
    total = time.perf_counter() - start
    assert frames, "no audio"
    assert len({f.sample_rate for f in frames}) == 1
    assert len({f.num_channels for f in frames}) == 1
    samples = np.concatenate([np.frombuffer(f.data, dtype=np.int16) for f in frames])
    return Synthesis(
        samples=samples,
        sample_rate=frames[0].sample_rate,
        num_channels=frames[0].num_channels,
        first_frame_s=times[0] - start,
        total_s=total,
        frame_times=times,
    )


def rms_dbfs(samples: npt.NDArray[np.int16]) -> float:
    x = samples.astype(np.float64) / 32768.0
    return float(20 * np.log10(np.sqrt(np.mean(x**2)) + 1e-12))


@dataclass
class Envelope:
    spread_db: float  # std of the 10 ms energy (dB) over non-silent frames
    syllable_band: float  # share of the envelope's 0.5-20 Hz modulation that lies in 2-8 Hz
    dips: float  # fraction of 10 ms frames 20 dB or more below the loud ones (pauses, stops)


def envelope(samples: npt.NDArray[np.int16], sample_rate: int) -> Envelope:
    x = samples.astype(np.float64) / 32768.0
    hop = sample_rate // 100
    n = len(x) // hop
    rms = np.sqrt(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1)) + 1e-9
    db = 20 * np.log10(rms)
    loud = float(np.percentile(db, 90))
    e = (rms - rms.mean()) * np.hanning(n)
    power = np.abs(np.fft.rfft(e)) ** 2
    freqs = np.fft.rfftfreq(n, d=0.01)
    band = power[(freqs >= 2) & (freqs <= 8)].sum() / power[(freqs > 0.5) & (freqs <= 20)].sum()
    return Envelope(
        spread_db=float(np.std(db[db > db.max() - 40])),
        syllable_band=float(band),
        dips=float(np.mean(db < loud - 20)),
    )


def looks_like_speech(samples: npt.NDArray[np.int16], sample_rate: int) -> bool:
    """Syllable-rate energy modulation with pauses: speech, not a tone, noise or music."""
    env = envelope(samples, sample_rate)
    return env.spread_db > 6.0 and env.syllable_band > 0.4 and env.dips > 0.05


def free_closed_port() -> int:
    """A local TCP port nothing listens on (connections to it are refused at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def piper_tts() -> PiperTTS:
    engine = PiperTTS()
    engine.prewarm()
    return engine


# --- Piper ---------------------------------------------------------------------------------


async def test_piper_speaks_the_briefing(piper_tts: PiperTTS) -> None:
    out = await synthesize(piper_tts, BRIEFING)
    duration = len(out.samples) / out.sample_rate
    assert piper_tts.capabilities.streaming is False
    assert out.sample_rate == piper_tts.sample_rate == 22050  # the voice config's rate
    assert out.num_channels == 1
    assert 2.0 <= duration <= 8.0, duration
    assert -35.0 < rms_dbfs(out.samples) < -6.0
    assert int(np.abs(out.samples.astype(np.int32)).max()) < 32767  # headroom, no clipping
    print(
        f"\npiper: {duration:.2f} s of audio in {out.total_s:.3f} s "
        f"(RTF {out.total_s / duration:.3f}), first frame after {out.first_frame_s:.3f} s"
    )


async def test_piper_audio_is_speech_not_noise(piper_tts: PiperTTS) -> None:
    out = await synthesize(piper_tts, BRIEFING)
    env = envelope(out.samples, out.sample_rate)
    assert looks_like_speech(out.samples, out.sample_rate), env
    # The same measure rejects a steady tone, white noise and the hold music.
    t = np.arange(3 * out.sample_rate) / out.sample_rate
    tone = (8000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)
    noise = np.random.default_rng(7).normal(0, 3000, len(t)).astype(np.int16)
    assert not looks_like_speech(tone, out.sample_rate)
    assert not looks_like_speech(noise, out.sample_rate)
    assert not looks_like_speech(hold_music_loop(), 48000)


async def test_piper_first_audio_before_the_text_is_done(
    piper_tts: PiperTTS, monkeypatch: pytest.MonkeyPatch
) -> None:
    sentence_done: list[float] = []
    original = PiperVoice.synthesize

    def timed(
        self: PiperVoice,
        text: str,
        syn_config: SynthesisConfig | None = None,
        include_alignments: bool = False,
    ) -> Iterator[AudioChunk]:
        for chunk in original(self, text, syn_config, include_alignments):
            sentence_done.append(time.perf_counter())
            yield chunk

    monkeypatch.setattr(PiperVoice, "synthesize", timed)
    out = await synthesize(piper_tts, MULTI_SENTENCE)
    duration = len(out.samples) / out.sample_rate
    assert len(sentence_done) >= 4, "Piper should synthesize sentence by sentence"
    assert out.first_frame_s < out.total_s
    # Streaming for real: the first frame reached us before the last sentence was synthesized.
    assert out.frame_times[0] < sentence_done[-1]
    print(
        f"\npiper, {len(sentence_done)} sentences: first frame {out.first_frame_s:.3f} s, "
        f"all {out.total_s:.3f} s for {duration:.2f} s of audio "
        f"(RTF {out.total_s / duration:.3f})"
    )


async def test_piper_through_stream_adapter(piper_tts: PiperTTS) -> None:
    adapter = tts.StreamAdapter(tts=piper_tts)
    stream = adapter.stream()
    stream.push_text("Hello. ")
    stream.push_text("I am connecting you now.")
    stream.end_input()
    frames: list[rtc.AudioFrame] = []
    async with stream:
        async for ev in stream:
            frames.append(ev.frame)
    samples = np.concatenate([np.frombuffer(f.data, dtype=np.int16) for f in frames])
    assert len(samples) / piper_tts.sample_rate > 1.0
    assert rms_dbfs(samples) > -35.0
    await adapter.aclose()


def test_piper_rejects_bad_options() -> None:
    with pytest.raises(ValueError):
        PiperTTS(speed=0)
    with pytest.raises(ValueError):
        PiperTTS(volume=1.5)


# --- build_tts -----------------------------------------------------------------------------


def test_build_tts_without_key_is_piper() -> None:
    assert isinstance(build_tts({}), PiperTTS)
    assert isinstance(build_tts({"ELEVEN_API_KEY": "  "}), PiperTTS)


async def test_build_tts_with_key_prefers_elevenlabs() -> None:
    from livekit.plugins import elevenlabs

    engine = build_tts({"ELEVEN_API_KEY": "x"})
    assert isinstance(engine, tts.FallbackAdapter)
    first, second = engine._tts_instances  # no public accessor in livekit-agents 1.2
    assert isinstance(first, elevenlabs.TTS)
    assert isinstance(second, PiperTTS)
    assert engine.sample_rate == max(first.sample_rate, second.sample_rate)
    await engine.aclose()


@pytest.mark.parametrize("sample_rate", [None, 48000])
async def test_fallback_to_piper_when_elevenlabs_is_unreachable(sample_rate: int | None) -> None:
    from livekit.plugins import elevenlabs

    env = {
        "ELEVEN_API_KEY": "x",
        "ELEVEN_BASE_URL": f"http://127.0.0.1:{free_closed_port()}/v1",
    }
    async with aiohttp.ClientSession() as session:
        engine = build_tts(env, sample_rate=sample_rate, http_session=session)
        assert isinstance(engine, tts.FallbackAdapter)
        eleven = engine._tts_instances[0]
        assert isinstance(eleven, elevenlabs.TTS)
        eleven_errors: list[tts.TTSError] = []
        eleven.on("error", eleven_errors.append)
        changes: list[tts.AvailabilityChangedEvent] = []
        engine.on("tts_availability_changed", changes.append)
        try:
            out = await asyncio.wait_for(synthesize(engine, BRIEFING, conn_options=FAST_RETRY), 30)
        finally:
            await engine.aclose()
            await eleven.aclose()

    assert eleven_errors, "ElevenLabs was not tried"
    assert any(c.tts is eleven and not c.available for c in changes)
    assert out.sample_rate == engine.sample_rate == (sample_rate or 22050)
    duration = len(out.samples) / out.sample_rate
    assert 2.0 <= duration <= 8.0, duration
    assert looks_like_speech(out.samples, out.sample_rate)


# --- hold music ----------------------------------------------------------------------------


def test_hold_music_loop_level_and_length() -> None:
    loop = hold_music_loop()
    assert loop.dtype == np.int16
    assert not loop.flags.writeable
    assert len(loop) == round(LOOP_SECONDS * 48000)
    assert 8.0 <= LOOP_SECONDS <= 16.0
    assert abs(rms_dbfs(loop) - HOLD_MUSIC_RMS_DBFS) < 0.5
    assert int(np.abs(loop.astype(np.int32)).max()) < 32767 * 0.9  # no clipping
    # Never silent: every 100 ms window carries sound.
    windows = loop[: len(loop) // 4800 * 4800].reshape(-1, 4800)
    window_db = 20 * np.log10(np.sqrt(np.mean((windows / 32768.0) ** 2, axis=1)) + 1e-12)
    assert window_db.min() > -40.0, window_db.min()


def test_hold_music_loops_without_a_click() -> None:
    loop = hold_music_loop().astype(np.int32)
    steps = np.abs(np.diff(loop))
    seam = abs(int(loop[0]) - int(loop[-1]))
    assert seam <= np.percentile(steps, 99.9), (seam, steps.max())
    # And the seam continues the waveform: the loop's end predicts its start as well as any
    # two adjacent samples predict each other (second difference across the seam).
    curvature = np.abs(np.diff(loop, 2))
    seam_curvature = abs(int(loop[1]) - 2 * int(loop[0]) + int(loop[-1]))
    assert seam_curvature <= np.percentile(curvature, 99.9)


def test_hold_music_frames() -> None:
    loop = hold_music_loop()
    per_frame = 960
    frames = hold_music_frames()
    collected = [next(frames) for _ in range(len(loop) // per_frame + 25)]
    for frame in collected:
        assert frame.sample_rate == 48000
        assert frame.num_channels == 1
        assert frame.samples_per_channel == per_frame
        assert len(frame.data) == per_frame
    stream = np.concatenate([np.frombuffer(f.data, dtype=np.int16) for f in collected])
    assert np.array_equal(stream[: len(loop)], loop)
    assert np.array_equal(stream[len(loop) :], loop[: len(stream) - len(loop)])


def test_hold_music_frames_other_rates() -> None:
    frame = next(hold_music_frames(sample_rate=16000, frame_ms=10))
    assert (frame.sample_rate, frame.samples_per_channel) == (16000, 160)
    with pytest.raises(ValueError):
        hold_music_frames(sample_rate=22050, frame_ms=30)  # 661.5 samples: not whole


def test_hold_music_is_not_speech() -> None:
    env = envelope(hold_music_loop(), 48000)
    assert env.dips == 0.0  # the pad never drops out
    assert env.syllable_band < 0.4
