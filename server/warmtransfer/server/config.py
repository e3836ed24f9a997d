"""Server configuration, read from an injectable mapping (the environment and `.env` by default).

Variables:
    WARMTRANSFER_API_KEYS     `key=tenant[:privileged],...`; none set means dev mode (loopback only,
                              key `dev` for tenant `dev`, privileged).
    WARMTRANSFER_LISTEN       host:port to listen on (default 127.0.0.1:50051).
    WARMTRANSFER_DATA_DIR     where the SQLite call store lives (default ./.data).
    DATABASE_URL              `postgresql://user:password@host:port/dbname`: the call store in
                              PostgreSQL, shared by server replicas (unset: SQLite).
    WARMTRANSFER_OWNER_LEASE_SECONDS   how long a replica's claim on a call's summary and index
                              lasts unless renewed (10): a dead replica's calls are taken over
                              within about this.
    REDIS_URL                 `redis://host:port/db`: replicas wake each other's watchers and
                              share interims through a Redis Stream (needs DATABASE_URL).
    WARMTRANSFER_ADVERTISE_ADDRESS   host:port the other replicas reach this one at (a call's
                              stream that reaches another replica is forwarded to the call's
                              owner). Default: the listen address, or this host's address when
                              listening on all interfaces.
    WARMTRANSFER_MAX_SEGMENT_CHARS, WARMTRANSFER_MAX_SEGMENTS_PER_CALL,
    WARMTRANSFER_MAX_METADATA_BYTES, WARMTRANSFER_MAX_METADATA_ENTRIES   limits.
    WARMTRANSFER_SUMMARY_EVERY_SEGMENTS, WARMTRANSFER_SUMMARY_EVERY_SECONDS   summary debounce.
    WARMTRANSFER_SHUTDOWN_GRACE_SECONDS   how long shutdown waits for open streams.
    WARMTRANSFER_MEDIA        `livekit` (default) or `none` (the API and store without rooms).
    LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET   the LiveKit deployment (default: the local
                              `livekit-server --dev` that `make run` starts on ws://127.0.0.1:7880).
    WARMTRANSFER_TOKEN_TTL_SECONDS   how long a join token admits (default 600).
    WARMTRANSFER_TRANSFER_JOIN_TIMEOUT_SECONDS      how long B has to join the consult room (120).
    WARMTRANSFER_TRANSFER_ARRIVAL_TIMEOUT_SECONDS   how long B has to reach the caller after
                              CompleteTransfer before the transfer returns to consulting (60).
    WARMTRANSFER_TRANSFER_POLL_SECONDS   how often a transfer under way looks at its rooms (0.2);
                              the media worker's participant reports wake it sooner.
    WARMTRANSFER_SUMMARIZER   `offline` or `llm` (default: `llm` when OPENAI_API_KEY or
                              OPENAI_BASE_URL is set, else `offline`).
    OPENAI_API_KEY, OPENAI_BASE_URL   the LLM: OpenAI, or any OpenAI-compatible server.
    WARMTRANSFER_LLM_MODEL    the model (default gpt-4o-mini).
    WARMTRANSFER_LLM_TIMEOUT_SECONDS   per request (20); past it the offline summary stands in.
    WARMTRANSFER_LLM_STRUCTURED   json_schema (default), json_object or none: how the answer's
                              JSON is asked for (servers differ in what they support).
    WARMTRANSFER_LLM_RAW_TENANTS   tenants whose summaries may read raw (unredacted) text;
                              everyone else's LLM sees the redacted text only. Each must also
                              keep original text.
    WARMTRANSFER_ORIGINAL_TEXT_TENANTS  tenants whose original (unredacted) transcript is kept
                              besides the redacted one, readable with a privileged key and
                              audited; `*` for all. Default: none (redacted text only).
    QDRANT_URL, QDRANT_API_KEY     a Qdrant server or cluster for call history; unset: Qdrant's
                              engine in-process, under the data directory.
    WARMTRANSFER_EMBEDDINGS   `minilm` (all-MiniLM-L6-v2 offline, the default) or `openai`
                              (with WARMTRANSFER_EMBEDDING_MODEL, _DIMENSIONS; see
                              warmtransfer.rag.embeddings).
    WARMTRANSFER_REDACTION_STYLE   `tag` (`<PHONE_NUMBER>`, the default), `mask` (`*****`) or
                              `pseudonym` (`<PERSON_1>`, the same value the same name all call).
    WARMTRANSFER_WORKERS      worker processes for the CPU-bound work of live calls (redaction);
                              default one per CPU, less one while embedding runs here (the
                              history's embedding then has a process of its own besides); 0
                              runs both in threads of the server process.
    WARMTRANSFER_WORKER_PRIORITY  how those processes stay behind the server's own threads:
                              `low` (the default: nice 5, embedding 10) or `idle` (Linux
                              SCHED_IDLE: they use only CPU time no other thread wants; a
                              shorter GetSummary tail, not yet shown to keep up over time).
    WARMTRANSFER_INGEST_SECRET   signs the media worker's call-scoped tokens; share it between
                              replicas (default: a random secret kept in the data directory).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from warmtransfer.pipeline.summary.llm import LLMSettings
from warmtransfer.rag.redaction.engine import STYLES, RedactionStyle
from warmtransfer.server.media.livekit_rooms import LiveKitConfig
from warmtransfer.server.workers import WORKER_PRIORITIES, WorkerPriority

__all__ = ["ApiKey", "ConfigError", "Limits", "ServerConfig", "load_config"]

DEV_KEY = "dev"
DEV_TENANT = "dev"


class ConfigError(ValueError):
    """The configuration is unusable; the message names the variable."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """What an API key may do: act for one tenant, and read raw text when privileged."""

    tenant_id: str
    privileged: bool = False


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one client may store."""

    max_segment_chars: int = 4000
    max_segments_per_call: int = 50_000
    max_metadata_bytes: int = 16 * 1024
    max_metadata_entries: int = 64
    max_customer_id_chars: int = 256


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything `warmtransfer serve` needs."""

    listen: str = "127.0.0.1:50051"
    data_dir: Path = Path(".data")
    api_keys: Mapping[str, ApiKey] = field(default_factory=dict)
    dev_mode: bool = False
    limits: Limits = Limits()
    summary_every_segments: int = 3
    summary_every_seconds: float = 2.0
    shutdown_grace_seconds: float = 10.0
    livekit: LiveKitConfig | None = field(default_factory=LiveKitConfig)
    transfer_join_timeout_seconds: float = 120.0
    transfer_arrival_timeout_seconds: float = 60.0
    transfer_poll_seconds: float = 0.2
    owner_lease_seconds: float = 10.0
    ingest_secret: str | None = None
    llm: LLMSettings | None = None  # None: the offline summarizer alone
    llm_raw_tenants: frozenset[str] = frozenset()
    original_text_tenants: frozenset[str] = frozenset()  # "*" means every tenant
    redaction_style: RedactionStyle = "tag"
    workers: int | None = None  # None: one per CPU
    worker_priority: WorkerPriority = "low"
    database_url: str | None = None  # None: SQLite under data_dir
    redis_url: str | None = None  # None: one replica, events on its own bus
    advertise_address: str | None = None  # None: from the listen address (see `advertised`)
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    # What the embedding provider is built from (warmtransfer.rag.embeddings.build_embedder).
    embedding_env: Mapping[str, str] = field(default_factory=dict)

    def keeps_original(self, tenant_id: str) -> bool:
        """Whether the tenant's original (unredacted) text is stored."""
        return "*" in self.original_text_tenants or tenant_id in self.original_text_tenants


_LIMITS = Limits()
_DEFAULTS = ServerConfig()


def load_config(
    env: Mapping[str, str] | None = None,
    *,
    dotenv_path: Path | None = Path(".env"),
    **overrides: object,
) -> ServerConfig:
    """Build the configuration from `env` (default: `.env` overlaid by the process environment).

    Keyword `overrides` (e.g. from command-line flags) win over both.
    """
    if env is None:
        merged: dict[str, str] = {}
        if dotenv_path is not None and dotenv_path.is_file():
            merged.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        merged.update(os.environ)
        env = merged
    keys = _parse_api_keys(env.get("WARMTRANSFER_API_KEYS", ""))
    dev_mode = not keys
    if dev_mode:
        keys = {DEV_KEY: ApiKey(DEV_TENANT, privileged=True)}
    limits = Limits(
        max_segment_chars=_int(env, "WARMTRANSFER_MAX_SEGMENT_CHARS", _LIMITS.max_segment_chars),
        max_segments_per_call=_int(
            env, "WARMTRANSFER_MAX_SEGMENTS_PER_CALL", _LIMITS.max_segments_per_call
        ),
        max_metadata_bytes=_int(env, "WARMTRANSFER_MAX_METADATA_BYTES", _LIMITS.max_metadata_bytes),
        max_metadata_entries=_int(
            env, "WARMTRANSFER_MAX_METADATA_ENTRIES", _LIMITS.max_metadata_entries
        ),
    )
    values: dict[str, object] = {
        "listen": env.get("WARMTRANSFER_LISTEN", _DEFAULTS.listen),
        "data_dir": Path(env.get("WARMTRANSFER_DATA_DIR", str(_DEFAULTS.data_dir))),
        "api_keys": keys,
        "dev_mode": dev_mode,
        "limits": limits,
        "summary_every_segments": _int(
            env, "WARMTRANSFER_SUMMARY_EVERY_SEGMENTS", _DEFAULTS.summary_every_segments
        ),
        "summary_every_seconds": _float(
            env, "WARMTRANSFER_SUMMARY_EVERY_SECONDS", _DEFAULTS.summary_every_seconds
        ),
        "shutdown_grace_seconds": _float(
            env, "WARMTRANSFER_SHUTDOWN_GRACE_SECONDS", _DEFAULTS.shutdown_grace_seconds
        ),
    }
    values["livekit"] = _livekit(env)
    values["transfer_join_timeout_seconds"] = _float(
        env,
        "WARMTRANSFER_TRANSFER_JOIN_TIMEOUT_SECONDS",
        _DEFAULTS.transfer_join_timeout_seconds,
    )
    values["transfer_arrival_timeout_seconds"] = _float(
        env,
        "WARMTRANSFER_TRANSFER_ARRIVAL_TIMEOUT_SECONDS",
        _DEFAULTS.transfer_arrival_timeout_seconds,
    )
    values["transfer_poll_seconds"] = _float(
        env, "WARMTRANSFER_TRANSFER_POLL_SECONDS", _DEFAULTS.transfer_poll_seconds
    )
    if values["transfer_poll_seconds"] == 0:
        raise ConfigError("WARMTRANSFER_TRANSFER_POLL_SECONDS: must be positive, got 0")
    secret = env.get("WARMTRANSFER_INGEST_SECRET") or None
    if secret is not None and len(secret) < 16:
        raise ConfigError("WARMTRANSFER_INGEST_SECRET: must be at least 16 characters")
    values["ingest_secret"] = secret
    values["llm"] = _llm(env)
    values["llm_raw_tenants"] = _names(env, "WARMTRANSFER_LLM_RAW_TENANTS")
    values["original_text_tenants"] = _names(env, "WARMTRANSFER_ORIGINAL_TEXT_TENANTS")
    style = env.get("WARMTRANSFER_REDACTION_STYLE", "tag").strip().lower()
    if style not in STYLES:
        raise ConfigError(
            f"WARMTRANSFER_REDACTION_STYLE: {style!r} is not one of {', '.join(STYLES)}"
        )
    values["redaction_style"] = style
    values["workers"] = _workers(env)
    priority = env.get("WARMTRANSFER_WORKER_PRIORITY", "low").strip().lower()
    if priority not in WORKER_PRIORITIES:
        raise ConfigError(
            f"WARMTRANSFER_WORKER_PRIORITY: {priority!r} is not one of "
            f"{', '.join(WORKER_PRIORITIES)}"
        )
    values["worker_priority"] = priority
    values["owner_lease_seconds"] = _float(
        env, "WARMTRANSFER_OWNER_LEASE_SECONDS", _DEFAULTS.owner_lease_seconds
    )
    if values["owner_lease_seconds"] == 0:
        raise ConfigError("WARMTRANSFER_OWNER_LEASE_SECONDS: must be positive, got 0")
    database_url = _database_url(env)
    values["database_url"] = database_url
    values["redis_url"] = _redis_url(env, database_url)
    values["advertise_address"] = env.get("WARMTRANSFER_ADVERTISE_ADDRESS", "").strip() or None
    values["qdrant_url"] = env.get("QDRANT_URL") or None
    values["qdrant_api_key"] = env.get("QDRANT_API_KEY") or None
    if values["qdrant_api_key"] and not values["qdrant_url"]:
        raise ConfigError("QDRANT_API_KEY: set QDRANT_URL too (the key is for a Qdrant server)")
    values["embedding_env"] = {
        k: v
        for k, v in env.items()
        if k.startswith("WARMTRANSFER_EMBEDDING")
        or k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "WARMTRANSFER_MODEL_CACHE", "XDG_CACHE_HOME")
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    config = ServerConfig(**values)  # type: ignore[arg-type]
    without_original = sorted(t for t in config.llm_raw_tenants if not config.keeps_original(t))
    if without_original:
        raise ConfigError(
            f"WARMTRANSFER_LLM_RAW_TENANTS: {', '.join(without_original)} keep redacted text only;"
            " add them to WARMTRANSFER_ORIGINAL_TEXT_TENANTS for their summaries to read it"
        )
    if config.dev_mode and not is_loopback(config.listen):
        raise ConfigError(
            f"WARMTRANSFER_LISTEN / --listen: dev mode (no WARMTRANSFER_API_KEYS) listens on "
            f"loopback only, not {config.listen!r}; set WARMTRANSFER_API_KEYS to listen elsewhere"
        )
    return config


def _names(env: Mapping[str, str], key: str) -> frozenset[str]:
    return frozenset(t.strip() for t in env.get(key, "").split(",") if t.strip())


def _livekit(env: Mapping[str, str]) -> LiveKitConfig | None:
    media = env.get("WARMTRANSFER_MEDIA", "livekit").strip().lower()
    if media == "none":
        return None
    if media != "livekit":
        raise ConfigError(f"WARMTRANSFER_MEDIA: {media!r} is neither 'livekit' nor 'none'")
    default = LiveKitConfig()
    url = env.get("LIVEKIT_URL") or default.url
    if not url.startswith(("ws://", "wss://", "http://", "https://")):
        raise ConfigError(f"LIVEKIT_URL: {url!r} is not a ws://, wss://, http:// or https:// URL")
    key, secret = env.get("LIVEKIT_API_KEY"), env.get("LIVEKIT_API_SECRET")
    if bool(key) != bool(secret):
        missing = "LIVEKIT_API_SECRET" if key else "LIVEKIT_API_KEY"
        raise ConfigError(f"{missing}: must be set together with the other LiveKit credential")
    ttl = _int(env, "WARMTRANSFER_TOKEN_TTL_SECONDS", int(default.token_ttl.total_seconds()))
    return LiveKitConfig(
        url=url,
        api_key=key or default.api_key,
        api_secret=secret or default.api_secret,
        token_ttl=datetime.timedelta(seconds=ttl),
    )


def _llm(env: Mapping[str, str]) -> LLMSettings | None:
    key, base_url = env.get("OPENAI_API_KEY", "").strip(), env.get("OPENAI_BASE_URL", "").strip()
    implied = "llm" if key or base_url else "offline"
    choice = (env.get("WARMTRANSFER_SUMMARIZER") or implied).strip().lower()
    if choice == "offline":
        return None
    if choice != "llm":
        raise ConfigError(f"WARMTRANSFER_SUMMARIZER: {choice!r} is neither 'offline' nor 'llm'")
    if not key and not base_url:
        raise ConfigError(
            "WARMTRANSFER_SUMMARIZER: 'llm' needs OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL "
            "(an OpenAI-compatible server)"
        )
    if base_url and not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"OPENAI_BASE_URL: {base_url!r} is not an http:// or https:// URL")
    structured = (env.get("WARMTRANSFER_LLM_STRUCTURED") or "json_schema").strip().lower()
    if structured not in ("json_schema", "json_object", "none"):
        raise ConfigError(
            f"WARMTRANSFER_LLM_STRUCTURED: {structured!r} is not json_schema, json_object or none"
        )
    default = LLMSettings()
    timeout = _float(env, "WARMTRANSFER_LLM_TIMEOUT_SECONDS", default.timeout_s)
    if timeout == 0:
        raise ConfigError("WARMTRANSFER_LLM_TIMEOUT_SECONDS: must be positive, got 0")
    return LLMSettings(
        model=(env.get("WARMTRANSFER_LLM_MODEL") or default.model).strip(),
        api_key=key,
        base_url=base_url or None,
        timeout_s=timeout,
        structured=structured,
    )


def is_loopback(listen: str) -> bool:
    """Whether a `host:port` address is on the loopback interface."""
    host = listen.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse_api_keys(raw: str) -> dict[str, ApiKey]:
    keys: dict[str, ApiKey] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        key, sep, rest = item.partition("=")
        tenant, _, flag = rest.partition(":")
        if not sep or not key.strip() or not tenant.strip():
            raise ConfigError(
                f"WARMTRANSFER_API_KEYS: entry {item!r} is not of the form key=tenant[:privileged]"
            )
        if flag not in ("", "privileged"):
            raise ConfigError(
                f"WARMTRANSFER_API_KEYS: entry {item!r} has unknown flag {flag!r} "
                "(the only one is 'privileged')"
            )
        keys[key.strip()] = ApiKey(tenant.strip(), privileged=flag == "privileged")
    return keys


def _workers(env: Mapping[str, str]) -> int | None:
    raw = env.get("WARMTRANSFER_WORKERS", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 256:
        raise ConfigError(f"WARMTRANSFER_WORKERS: {raw!r} is not a number of processes (0 to 256)")
    return int(raw)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not a whole number") from None
    if value <= 0:
        raise ConfigError(f"{name}: must be positive, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not a number") from None
    if value < 0:
        raise ConfigError(f"{name}: must not be negative, got {value}")
    return value


def _database_url(env: Mapping[str, str]) -> str | None:
    url = (env.get("DATABASE_URL") or "").strip()
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        scheme = url.split("://", 1)[0] if "://" in url else url[:20]
        raise ConfigError(
            f"DATABASE_URL: {scheme!r} is not a postgresql:// URL (the call store speaks "
            "PostgreSQL; unset it for the embedded SQLite store)"
        )
    return url


def _redis_url(env: Mapping[str, str], database_url: str | None) -> str | None:
    url = (env.get("REDIS_URL") or "").strip()
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"REDIS_URL: {url.split('://', 1)[0]!r} is not a redis:// URL")
    if database_url is None:
        raise ConfigError(
            "REDIS_URL: replicas share events only over a shared call store; set DATABASE_URL"
        )
    return url
