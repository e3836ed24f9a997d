"""Redaction through the API: what is stored, what is shown, who reads original text."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest

from tests.server.helpers import AGENT, create_call, ingest, segment, wait_for_event
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer, start_server
from warmtransfer.server.auth import key_fingerprint
from warmtransfer.server.config import ConfigError, load_config
from warmtransfer.v1 import transcript_pb2, transcript_service_pb2

# The store conformance suite: each test here runs on both engines (tests/conftest.py).
STORE_ENGINES = ("sqlite", "postgresql")

RAW = transcript_service_pb2.GetTranscriptRequest


async def texts(client: Client, call_id: str, *, raw: bool = False) -> list[str]:
    view = transcript_pb2.TRANSCRIPT_VIEW_RAW if raw else transcript_pb2.TRANSCRIPT_VIEW_REDACTED
    response = await client.transcripts.GetTranscript(RAW(call_id=call_id, view=view))
    return [s.text for s in response.segments]


async def test_a_card_number_read_over_two_turns_is_redacted_in_both(
    connect: Callable[[str], Client],
) -> None:
    client = connect("key-a")
    call_id = await create_call(client)
    await ingest(
        client,
        call_id,
        [
            segment(1, "what's the card number?", role=AGENT),
            segment(2, "it's four one one one, one one one one"),
            segment(3, "uh-huh", role=AGENT),
            segment(4, "one one one one, one one one one"),
        ],
    )
    assert await texts(client, call_id) == [
        "what's the card number?",
        "it's <CREDIT_CARD>",
        "uh-huh",
        "<CREDIT_CARD>",
    ]
    # Watchers were told: segment 2 was first shown as it stood alone, then revised.
    revised = await wait_for_event(client, call_id, lambda e: e.HasField("segment_redacted"))
    assert revised.segment_redacted.segment.seq == 2
    assert revised.segment_redacted.segment.text == "it's <CREDIT_CARD>"
    # The privileged key reads what was said, and the read is in the audit log.
    admin = connect("key-a-admin")
    assert (await texts(admin, call_id, raw=True))[1] == "it's four one one one, one one one one"


async def test_interim_segments_are_redacted_before_they_are_shown(
    connect: Callable[[str], Client],
) -> None:
    client = connect("key-a")
    call_id = await create_call(client)
    watch = client.transcripts.WatchCall(
        transcript_service_pb2.WatchCallRequest(call_id=call_id, live_only=True)
    )
    events = aiter(watch)
    ack = ingest(
        client, call_id, [segment(1, "my email is maria dot lopez at gmail dot com", final=False)]
    )
    await ack
    event = await anext(events)
    watch.cancel()
    assert event.segment_interim.segment.text == "my email is <EMAIL_ADDRESS>"


async def test_original_text_is_kept_only_for_tenants_configured_to_keep_it(
    connect: Callable[[str], Client], server: RunningServer
) -> None:
    b = connect("key-b")
    call_id = await create_call(b)
    await ingest(b, call_id, [segment(1, "my number is 555 867 5309")])
    assert await texts(b, call_id) == ["my number is <PHONE_NUMBER>"]
    db = server.deps.store.engine.connect(readonly=True)
    try:
        stored = db.execute(
            "SELECT text_raw FROM segments WHERE call_id = ?", (call_id,)
        ).fetchall()
    finally:
        db.close()
    assert stored == [("",)], "tenant-b keeps redacted text only: nothing else may be on disk"


async def test_raw_reads_are_refused_or_recorded(
    connect: Callable[[str], Client], server: RunningServer
) -> None:
    a, admin = connect("key-a"), connect("key-a-admin")
    call_id = await create_call(a)
    await ingest(a, call_id, [segment(1, "I'm John Carter")])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await texts(a, call_id, raw=True)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert await server.deps.store.raw_reads("tenant-a") == []
    assert await texts(admin, call_id, raw=True) == ["I'm John Carter"]
    (read,) = await server.deps.store.raw_reads("tenant-a")
    assert read[:3] == (call_id, key_fingerprint("key-a-admin"), "GetTranscript")
    assert "key-a-admin" not in read[1]


async def test_a_redacted_only_tenant_gets_failed_precondition_for_raw(
    server_env: dict[str, str],
) -> None:
    env = server_env | {"WARMTRANSFER_API_KEYS": "key-b=tenant-b:privileged"}
    running = await start_server(load_config(env))
    client = Client(f"127.0.0.1:{running.port}", api_key="key-b")
    try:
        call_id = await create_call(client)
        await ingest(client, call_id, [segment(1, "hello")])
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await texts(client, call_id, raw=True)
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "redacted text only" in (caught.value.details() or "")
        assert await running.deps.store.raw_reads("tenant-b") == []
    finally:
        await client.close()
        await running.stop(grace=1)


@pytest.fixture
async def pseudonym_client(server_env: dict[str, str], tmp_path: Path) -> AsyncIterator[Client]:
    env = server_env | {"WARMTRANSFER_REDACTION_STYLE": "pseudonym"}
    running = await start_server(load_config(env))
    client = Client(f"127.0.0.1:{running.port}", api_key="key-a")
    yield client
    await client.close()
    await running.stop(grace=1)


async def test_pseudonyms_keep_one_person_one_name_through_the_call(
    pseudonym_client: Client,
) -> None:
    call_id = await create_call(pseudonym_client)
    await ingest(
        pseudonym_client,
        call_id,
        [
            segment(1, "Thanks for calling, this is Priya Raman.", role=AGENT),
            segment(2, "Hi Priya, my name is Daniel Okafor."),
            segment(3, "Thank you Daniel. Daniel, what's your phone number?", role=AGENT),
            segment(4, "It's 415 555 0132, or my wife Grace Okafor's, 415 555 0177."),
        ],
    )
    shown = await texts(pseudonym_client, call_id)
    assert shown == [
        "Thanks for calling, this is <PERSON_1>.",
        "Hi <PERSON_1>, my name is <PERSON_2>.",
        "Thank you <PERSON_2>. <PERSON_2>, what's your phone number?",
        "It's <PHONE_NUMBER_1>, or my wife <PERSON_3>'s, <PHONE_NUMBER_2>.",
    ]


def test_llm_raw_tenants_must_keep_original_text(server_env: dict[str, str]) -> None:
    env = server_env | {"WARMTRANSFER_LLM_RAW_TENANTS": "tenant-b"}
    with pytest.raises(ConfigError, match="WARMTRANSFER_ORIGINAL_TEXT_TENANTS"):
        load_config(env)


def test_an_unknown_redaction_style_names_the_variable(server_env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="WARMTRANSFER_REDACTION_STYLE"):
        load_config(server_env | {"WARMTRANSFER_REDACTION_STYLE": "blackout"})
