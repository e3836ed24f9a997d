"""The Go client (clients/go): vet and format, its tests against the live stack, and its
example's story."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.clients.conftest import REPO, LiveStack, run

GO_DIR = REPO / "clients" / "go"
GO = shutil.which("go") or "/usr/local/go/bin/go"
GOFMT = shutil.which("gofmt") or str(Path(GO).resolve().parent / "gofmt")


def labelled(out: str) -> dict[str, str]:
    """The example's `label: value` lines (the last one of each label)."""
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


async def test_the_go_sources_are_vetted_and_formatted() -> None:
    env = dict(os.environ)
    await run([GO, "vet", "./..."], cwd=GO_DIR, env=env)
    unformatted = await run([GOFMT, "-l", "."], cwd=GO_DIR, env=env)
    assert not unformatted.strip(), f"gofmt would change:\n{unformatted}"


async def test_the_go_tests_pass_against_the_live_server(stack: LiveStack) -> None:
    out = await run([GO, "test", "-count=1", "./..."], cwd=GO_DIR, env=stack.env())
    assert "ok  \tgithub.com/warmtransfer/warmtransfer/clients/go/warmtransfer" in out, out


async def test_the_go_example_tells_the_whole_story(stack: LiveStack) -> None:
    out = await run([GO, "run", "./examples/corestory"], cwd=GO_DIR, env=stack.env())
    lines = labelled(out)
    reason = lines["reason"].lower()
    assert "charge" in reason and "twice" in reason, out
    assert lines["briefing"].strip(), out
    history = [line for line in out.splitlines() if line.startswith("history: ")]
    assert any("charged twice" in line.lower() for line in history), out
    assert "CALL_STATE_ENDED" in lines["ended"], out
