"""Scripted support calls (tests/data/calls/*.json) for tests and benchmarks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

from warmtransfer.pipeline.summary.model import Role, Segment, Summary

CALLS_DIR = Path(__file__).resolve().parent.parent / "data" / "calls"


class Expectations(TypedDict):
    """What a receiving agent must learn from a call; each group lists alias keywords."""

    reason: list[str]
    facts: list[list[str]]
    actions: list[list[str]]
    next_steps: list[list[str]]
    sentiment: str


class ScriptedCall(TypedDict):
    """One scripted call, with its segments numbered from seq 1."""

    name: str
    title: str
    kind: str
    segments: list[Segment]
    expect: Expectations


def load_calls(directory: Path = CALLS_DIR) -> list[ScriptedCall]:
    """Load every `*.json` call script in `directory`, sorted by file name."""
    return [_load(path) for path in sorted(directory.glob("*.json"))]


def _load(path: Path) -> ScriptedCall:
    raw = json.loads(path.read_text(encoding="utf-8"))
    segments = [
        Segment(
            seq=seq,
            role=Role(turn["role"]),
            text=turn["text"],
            on_hold=bool(turn.get("on_hold", False)),
        )
        for seq, turn in enumerate(raw["segments"], start=1)
    ]
    return ScriptedCall(
        name=path.stem,
        title=raw["title"],
        kind=raw["kind"],
        segments=segments,
        expect=raw["expect"],
    )


def everything(summary: Summary) -> str:
    """All a summary says, lower-cased: where the expected facts are looked for."""
    parts = [summary.reason, *summary.facts, *summary.actions, *summary.next_steps]
    return " ".join([*parts, summary.briefing]).lower()


def matched(groups: list[list[str]], text: str) -> list[bool]:
    """For each alias group, whether any alias occurs in `text` (case-insensitively)."""
    return [any(alias.lower() in text for alias in group) for group in groups]
