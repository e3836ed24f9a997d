"""The server<->worker contract: jobs, room metadata and data messages read back as written,
and what is malformed or unknown read as nothing rather than as a crash."""

from __future__ import annotations

import json

import pytest

from warmtransfer.pipeline.worker.config import (
    DEFAULT_LOAD_THRESHOLD,
    DEFAULT_SERVER,
    WorkerConfig,
)
from warmtransfer.pipeline.worker.protocol import (
    DEV_LIVEKIT_URL,
    BriefingJob,
    BriefingMessage,
    CallRoomState,
    ConsultRoomState,
    Job,
    TranscribeJob,
    TransferFailedMessage,
)


def test_jobs_read_back_as_written() -> None:
    transcribe = TranscribeJob(call_id="c_1", token="tok", started_at=1.7e9)
    briefing = BriefingJob(to_identity="agent-b", text="Hello.", transfer_id="t_1", reason="x")
    assert Job.parse(transcribe.to_json()) == transcribe
    assert Job.parse(briefing.to_json()) == briefing


def test_an_earlier_servers_briefing_job_is_read() -> None:
    old = {"task": "briefing", "to_identity": "b", "text": "Hi.", "briefing": {"transfer_id": "t"}}
    assert Job.parse(json.dumps(old)) == BriefingJob(to_identity="b", text="Hi.", transfer_id="t")


@pytest.mark.parametrize(
    "metadata",
    [
        "",
        "not json",
        "[1, 2]",
        '{"task": "hold_music"}',  # retired: the transcriber plays the music now
        '{"task": "transcribe", "call_id": "c_1"}',  # no token
        '{"task": "briefing", "text": "no one to brief"}',
        '{"task": "transcribe", "call_id": "c", "token": "t", "started_at": "soon"}',
    ],
)
def test_unknown_or_incomplete_jobs(metadata: str) -> None:
    job = Job.parse(metadata)
    if isinstance(job, TranscribeJob):  # a bad start time is only a missing one
        assert job.started_at == 0.0
    else:
        assert job is None


def test_room_metadata() -> None:
    state = CallRoomState(call_id="c_1", tenant_id="t", hold_music=True)
    assert CallRoomState.parse(state.to_json()) == state
    assert json.loads(state.to_json())["hold_music"] is True
    # The room as created (no hold key), and anything else, is not on hold.
    assert not CallRoomState.parse('{"call_id": "c_1", "tenant_id": "t"}').hold_music
    assert not CallRoomState.parse('{"hold_music": "yes"}').hold_music
    assert not CallRoomState.parse("garbage").hold_music
    # A transfer under way names its briefing, for the transcriber to give in the consult room.
    job = BriefingJob(to_identity="b", text="Hi.", transfer_id="t_1", reason="r", room="consult-1")
    briefed = CallRoomState(call_id="c_1", tenant_id="t", hold_music=True, briefing=job)
    assert CallRoomState.parse(briefed.to_json()) == briefed
    assert "briefing" not in json.loads(state.to_json())
    for bad in ('{"briefing": "x"}', '{"briefing": {"to_identity": "b"}}', '{"briefing": {}}'):
        assert CallRoomState.parse(bad).briefing is None  # no room (or no B): nothing to brief
    consult = ConsultRoomState(call_id="c_1", tenant_id="t", briefing_text="Newer.")
    assert ConsultRoomState.parse(consult.to_json()) == consult
    assert ConsultRoomState.parse(CallRoomState("c_1", "t").to_json()).briefing_text == ""


def test_data_messages() -> None:
    assert json.loads(BriefingMessage(text="Hi.", transfer_id="t_1", reason="r").encode()) == {
        "type": "briefing",
        "text": "Hi.",
        "transfer_id": "t_1",
        "reason": "r",
    }
    assert json.loads(TransferFailedMessage(transfer_id="t_1", reason="hung up").encode()) == {
        "type": "transfer_failed",
        "transfer_id": "t_1",
        "reason": "hung up",
    }


def test_worker_configuration() -> None:
    default = WorkerConfig.from_env({})
    assert (default.livekit_url, default.server, default.health_port) == (
        DEV_LIVEKIT_URL,
        DEFAULT_SERVER,
        0,
    )
    env = {
        "LIVEKIT_URL": "wss://lk.example",
        "LIVEKIT_API_KEY": "k",
        "LIVEKIT_API_SECRET": "s",
        "WARMTRANSFER_SERVER": "wt:50051",
        "WARMTRANSFER_WORKER_HEALTH_PORT": "8081",
        "WARMTRANSFER_WORKER_LOAD_THRESHOLD": "0.6",
        "ELEVEN_API_KEY": "e",
    }
    config = WorkerConfig.from_env(env)
    assert (config.livekit_url, config.api_key, config.api_secret) == ("wss://lk.example", "k", "s")
    assert (config.server, config.health_port) == ("wt:50051", 8081)
    assert (default.load_threshold, config.load_threshold) == (DEFAULT_LOAD_THRESHOLD, 0.6)
    assert config.providers["ELEVEN_API_KEY"] == "e"
    for bad in ("http", "70000", "-1"):
        with pytest.raises(SystemExit, match="WARMTRANSFER_WORKER_HEALTH_PORT"):
            WorkerConfig.from_env({"WARMTRANSFER_WORKER_HEALTH_PORT": bad})
    for bad in ("full", "0", "1.5", "-0.2", "nan"):
        with pytest.raises(SystemExit, match="WARMTRANSFER_WORKER_LOAD_THRESHOLD"):
            WorkerConfig.from_env({"WARMTRANSFER_WORKER_LOAD_THRESHOLD": bad})
    # Whisper's variables are read in the inference process: checked here, at start-up.
    for name, bad in (("WARMTRANSFER_STT_THREADS", "0"), ("WARMTRANSFER_STT_SHORT_WINDOW_S", "45")):
        with pytest.raises(SystemExit, match=name):
            WorkerConfig.from_env({name: bad})
