"""Speech for tests: the scripted support call, synthesized offline with Piper, and word error
rate against it."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np

from warmtransfer.pipeline.voice.piper_tts import PiperTTS

SCRIPT = Path(__file__).parent / "data" / "speech" / "support_call.json"
SPEEDS = {"caller": 1.0, "agent": 1.15}  # one voice, two paces


@dataclass(frozen=True)
class Line:
    speaker: str
    text: str
    pcm: np.ndarray  # int16 mono at `SAMPLE_RATE`


@functools.cache
def _tts(speed: float) -> PiperTTS:
    tts = PiperTTS(speed=speed)
    tts.prewarm()
    return tts


SAMPLE_RATE = _tts(1.0).sample_rate


async def synthesize(text: str, speed: float = 1.0) -> np.ndarray:
    chunks = []
    async with _tts(speed).synthesize(text) as stream:
        async for audio in stream:
            chunks.append(np.frombuffer(audio.frame.data, dtype=np.int16))
    return np.concatenate(chunks)


async def script_lines() -> list[Line]:
    lines = json.loads(SCRIPT.read_text())["lines"]
    return [
        Line(line["speaker"], line["text"], await synthesize(line["text"], SPEEDS[line["speaker"]]))
        for line in lines
    ]


def normalize(text: str) -> str:
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    contractions = {"i'm": "i am", "i'll": "i will", "you're": "you are", "it's": "it is"}
    words = [contractions.get(w, w) for w in text.split()]
    return " ".join(w.replace("'", "") for w in words)


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """WER of the hypothesis against the reference, as one text each (case, punctuation and the
    commonest contractions normalized)."""
    ref = normalize(" ".join(reference))
    hyp = normalize(" ".join(hypothesis))
    return float(jiwer.wer(ref, hyp))
