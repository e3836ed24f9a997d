"""The TypeScript client (clients/typescript): its type check, its tests against the live stack,
and its example's story."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.clients.conftest import REPO, LiveStack, run

TS_DIR = REPO / "clients" / "typescript"


def npm() -> str:
    """The npm executable, once the package's dependencies are installed (`npm ci`)."""
    found = shutil.which("npm")
    if found is None:
        pytest.fail("npm is not on PATH: install Node.js 20 or newer")
    if not (TS_DIR / "node_modules" / ".bin" / "tsx").exists():
        pytest.fail(f"{TS_DIR}/node_modules is missing: run `npm ci` there (or `make generate`)")
    return found


def labelled(out: str) -> dict[str, str]:
    """The example's `label: value` lines (the last one of each label)."""
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


async def test_the_typescript_sources_type_check() -> None:
    await run([npm(), "run", "check"], cwd=TS_DIR, env=dict(os.environ))


async def test_the_typescript_tests_pass_against_the_live_server(stack: LiveStack) -> None:
    out = await run([npm(), "test"], cwd=TS_DIR, env=stack.env())
    assert "fail 0" in out, out
    assert "pass 0" not in out, out


async def test_the_typescript_example_tells_the_whole_story(stack: LiveStack) -> None:
    npx = shutil.which("npx", path=str(os.path.dirname(npm())))
    assert npx is not None
    out = await run([npx, "tsx", "examples/core-story.ts"], cwd=TS_DIR, env=stack.env())
    lines = labelled(out)
    reason = lines["reason"].lower()
    assert "internet" in reason and "drop" in reason, out
    assert "internet" in lines["briefing"].lower(), out
    history = [line for line in out.splitlines() if line.startswith("history: ")]
    assert any("internet" in line.lower() for line in history), out
    assert "ENDED" in lines["ended"], out
