"""Whisper's short window against its full one: word error rate and CPU per utterance.

    python -m bench.whisper_window [--utterances 150]

`WhisperSTT` decodes an utterance that fits in a 10 s window there first and keeps the text
only if it looks like what was said, decoding it again on Whisper's full 30 s otherwise (see
`whisper_stt`'s docstring). This measures both ways on the same utterances, one after the
other, in this process (2 CPU threads, as the worker's inference process runs each request).

The utterances are a held-out set, fixed before the short window's thresholds were chosen and
never used to choose them: the lines of the summary development calls (`tests/data/calls/`)
without numbers or placeholders (a number is written in words in the script and in digits by
Whisper, which a word error rate counts as errors), spoken by Piper at three speeds, one in two
with a steady hiss under it. The thresholds were chosen on lines of other calls
(`tests/data/calls_heldout/`). Piper's voice is one voice: real callers vary more.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from pathlib import Path

import numpy as np
from livekit import rtc

from tests.speech import SAMPLE_RATE, synthesize, word_error_rate
from warmtransfer.pipeline.transcription import whisper_stt
from warmtransfer.pipeline.transcription.whisper_stt import WhisperSTT, pcm_samples

CALLS = Path(__file__).resolve().parent.parent / "tests" / "data" / "calls"
SPEEDS = (0.9, 1.0, 1.15)
_NUMBERS = re.compile(
    r"\d|<|\$|%|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty"
    r"|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|first|second|third)\b"
)


def held_out_lines(limit: int) -> list[str]:
    """The set's texts, in a fixed order (file name, then line)."""
    texts = []
    for path in sorted(CALLS.glob("*.json")):
        for segment in json.loads(path.read_text())["segments"]:
            text = segment["text"]
            if 15 < len(text) < 220 and not _NUMBERS.search(text.lower()):
                texts.append(text)
    return texts[:limit]


async def held_out_speech(texts: list[str]) -> list[np.ndarray]:
    """Each text spoken (16 kHz int16), at the speed and with the hiss its place gives it."""
    rng = np.random.default_rng(16)
    speech = []
    for i, text in enumerate(texts):
        pcm = await synthesize(text, SPEEDS[i % len(SPEEDS)])
        if i % 2:
            hiss = rng.normal(0, 300, len(pcm))  # about -40 dBFS
            pcm = np.clip(pcm + hiss, -32768, 32767).astype(np.int16)
        speech.append(_to_16k(pcm))
    return speech


def _to_16k(pcm: np.ndarray) -> np.ndarray:
    frame = whisper_stt.to_mono_16k(rtc.AudioFrame(pcm.tobytes(), SAMPLE_RATE, 1, len(pcm)))
    return np.frombuffer(bytes(frame.data), dtype=np.int16)


def measure(engine: WhisperSTT, texts: list[str], speech: list[np.ndarray]) -> tuple[float, float]:
    """(word error rate, CPU ms per utterance) of one way over the set."""
    hypotheses = []
    cpu = time.process_time()
    for pcm in speech:
        hypotheses.append(engine.transcribe_pcm(pcm_samples(pcm.tobytes())))
    per_utterance = (time.process_time() - cpu) / len(speech) * 1000
    return word_error_rate(texts, hypotheses), per_utterance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utterances", type=int, default=150)
    args = parser.parse_args()
    texts = held_out_lines(args.utterances)
    speech = asyncio.run(held_out_speech(texts))
    seconds = sum(len(s) for s in speech) / whisper_stt.SAMPLE_RATE
    print(f"whisper window: {len(texts)} utterances, {seconds:.0f} s of speech")
    ways = {
        "full 30 s window": WhisperSTT(short_window_s=None),
        f"{whisper_stt.SHORT_WINDOW_S:.0f} s window first": WhisperSTT(),
    }
    for name, engine in ways.items():
        engine.prewarm()
        engine.transcribe_pcm(pcm_samples(speech[0].tobytes()))  # warm
        engine.windows = whisper_stt.WindowCounts()
        wer, cpu_ms = measure(engine, texts, speech)
        counts = engine.windows
        print(
            f"whisper window: {name}: WER {wer:.3f}, CPU {cpu_ms:.0f} ms per utterance;"
            f" short window kept {counts.short}, decoded again on the full one"
            f" {counts.full_after_short}, full at once {counts.full}"
        )


if __name__ == "__main__":
    main()
