"""Configuration: keys, dev mode, limits, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from warmtransfer.server.config import ApiKey, ConfigError, is_loopback, load_config


def test_keys_map_to_tenants_and_privileges() -> None:
    config = load_config({"WARMTRANSFER_API_KEYS": "k1=tenant-a, k2=tenant-b:privileged"})
    assert not config.dev_mode
    assert config.api_keys == {
        "k1": ApiKey("tenant-a"),
        "k2": ApiKey("tenant-b", privileged=True),
    }


def test_no_keys_means_dev_mode_on_loopback_only() -> None:
    config = load_config({})
    assert config.dev_mode and config.api_keys == {"dev": ApiKey("dev", privileged=True)}
    with pytest.raises(ConfigError, match="WARMTRANSFER_LISTEN"):
        load_config({"WARMTRANSFER_LISTEN": "0.0.0.0:50051"})
    assert load_config({"WARMTRANSFER_API_KEYS": "k=t", "WARMTRANSFER_LISTEN": "0.0.0.0:1"})


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"WARMTRANSFER_API_KEYS": "nokey"}, "WARMTRANSFER_API_KEYS"),
        ({"WARMTRANSFER_API_KEYS": "k=t:admin"}, "WARMTRANSFER_API_KEYS"),
        ({"WARMTRANSFER_MAX_SEGMENT_CHARS": "lots"}, "WARMTRANSFER_MAX_SEGMENT_CHARS"),
        ({"WARMTRANSFER_MAX_SEGMENTS_PER_CALL": "0"}, "WARMTRANSFER_MAX_SEGMENTS_PER_CALL"),
        ({"WARMTRANSFER_SUMMARY_EVERY_SECONDS": "-1"}, "WARMTRANSFER_SUMMARY_EVERY_SECONDS"),
        ({"WARMTRANSFER_TRANSFER_POLL_SECONDS": "0"}, "WARMTRANSFER_TRANSFER_POLL_SECONDS"),
        ({"WARMTRANSFER_INGEST_SECRET": "short"}, "WARMTRANSFER_INGEST_SECRET"),
        ({"DATABASE_URL": "mysql://db/calls"}, "DATABASE_URL"),
        ({"WARMTRANSFER_OWNER_LEASE_SECONDS": "0"}, "WARMTRANSFER_OWNER_LEASE_SECONDS"),
        ({"WARMTRANSFER_WORKER_PRIORITY": "realtime"}, "WARMTRANSFER_WORKER_PRIORITY"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "REDIS_URL.*DATABASE_URL"),
        (
            {"DATABASE_URL": "postgresql://db/calls", "REDIS_URL": "memcached://cache"},
            "REDIS_URL",
        ),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_config(env)


def test_dotenv_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("WARMTRANSFER_API_KEYS=k=from-file\nWARMTRANSFER_DATA_DIR=/from/file\n")
    monkeypatch.setenv("WARMTRANSFER_DATA_DIR", "/from/env")
    config = load_config(dotenv_path=dotenv)
    assert config.api_keys == {"k": ApiKey("from-file")}
    assert config.data_dir == Path("/from/env")
    assert load_config(dotenv_path=dotenv, data_dir=Path("/flag")).data_dir == Path("/flag")


@pytest.mark.parametrize(
    ("listen", "loopback"),
    [("127.0.0.1:1", True), ("localhost:1", True), ("[::1]:1", True), ("[::]:1", False)],
)
def test_loopback_detection(listen: str, loopback: bool) -> None:
    assert is_loopback(listen) is loopback


def test_worker_processes_run_at_a_low_priority_unless_told_otherwise() -> None:
    assert load_config({}).worker_priority == "low"
    assert load_config({"WARMTRANSFER_WORKER_PRIORITY": " Idle "}).worker_priority == "idle"


def test_replicas_share_a_database_and_a_redis() -> None:
    config = load_config(
        {"DATABASE_URL": "postgresql://wt@db:5432/calls", "REDIS_URL": "redis://cache:6379/0"}
    )
    assert config.database_url == "postgresql://wt@db:5432/calls"
    assert config.redis_url == "redis://cache:6379/0"
    assert load_config({}).database_url is None and load_config({}).redis_url is None


def test_the_embedder_reads_its_variables_and_the_model_cache() -> None:
    config = load_config(
        {
            "WARMTRANSFER_EMBEDDINGS": "minilm",
            "WARMTRANSFER_MODEL_CACHE": "/srv/models",
            "XDG_CACHE_HOME": "/srv/cache",
            "OPENAI_BASE_URL": "http://127.0.0.1:1/v1",
            "WARMTRANSFER_LISTEN": "127.0.0.1:0",
            "QDRANT_URL": "",
        }
    )
    assert config.embedding_env == {
        "WARMTRANSFER_EMBEDDINGS": "minilm",
        "WARMTRANSFER_MODEL_CACHE": "/srv/models",
        "XDG_CACHE_HOME": "/srv/cache",
        "OPENAI_BASE_URL": "http://127.0.0.1:1/v1",
    }
