"""`warmtransfer demo` against a real server prints the live transcript and the briefing."""

from __future__ import annotations

import pytest

from warmtransfer.demo import run_demo
from warmtransfer.server.app import RunningServer


async def test_demo_prints_transcript_summary_and_briefing(
    server: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_demo(f"127.0.0.1:{server.port}", api_key="key-a", pace=0.0) == 0
    out = capsys.readouterr().out
    assert "[11] agent : That needs our billing team" in out  # the live transcript, in order
    assert "~ summary v" in out  # summary updates seen live on the watch stream
    briefing = out.split("=== Briefing for the receiving agent ===", 1)[1]
    assert "internet keeps dropping" in briefing
    assert "technician" in briefing or "billing" in briefing
    assert "CALL_STATE_ENDED" in out


@pytest.mark.slow
async def test_demo_says_how_to_start_a_server_when_none_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.server.processes import free_port

    assert await run_demo(f"127.0.0.1:{free_port()}", api_key="dev", pace=0.0) == 1
    assert "make run" in capsys.readouterr().out
