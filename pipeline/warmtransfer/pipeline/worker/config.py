"""The media worker's configuration, read from the environment in this one place.

    LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET   the LiveKit to serve (the local dev
                                                       server and its key by default)
    WARMTRANSFER_SERVER                                the API server (127.0.0.1:50051)
    WARMTRANSFER_WORKER_HEALTH_PORT                    the health check's port (`GET /`
                                                       answers 200 while the worker runs);
                                                       unset or 0: any free port
    WARMTRANSFER_WORKER_LOAD_THRESHOLD                 the load (0 to 1: the jobs' share of the
                                                       CPU, or the worker's of the memory) at
                                                       which the worker reports itself full and
                                                       LiveKit dispatches elsewhere (0.85)
    the providers' own variables (DEEPGRAM_*, ELEVEN_*, WARMTRANSFER_STT_*, ...), read by
    `build_stt` and `build_tts` from `providers`

`warmtransfer agent` parses it at start-up, so a bad value stops the worker at once with the
variable named; its job processes inherit the environment and parse it the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from warmtransfer.pipeline.transcription.providers import short_window_s, stt_threads
from warmtransfer.pipeline.worker.protocol import (
    DEV_LIVEKIT_KEY,
    DEV_LIVEKIT_SECRET,
    DEV_LIVEKIT_URL,
)

__all__ = ["DEFAULT_LOAD_THRESHOLD", "DEFAULT_SERVER", "WorkerConfig"]

DEFAULT_SERVER = "127.0.0.1:50051"
DEFAULT_LOAD_THRESHOLD = 0.85


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    livekit_url: str = DEV_LIVEKIT_URL
    api_key: str = DEV_LIVEKIT_KEY
    api_secret: str = DEV_LIVEKIT_SECRET
    server: str = DEFAULT_SERVER
    health_port: int = 0
    load_threshold: float = DEFAULT_LOAD_THRESHOLD
    providers: Mapping[str, str] = field(default_factory=dict)
    """The environment, for the STT and TTS providers' own variables."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WorkerConfig:
        env = os.environ if env is None else env
        raw = env.get("WARMTRANSFER_WORKER_HEALTH_PORT", "").strip() or "0"
        if not raw.isdigit() or int(raw) > 65535:
            raise SystemExit(f"WARMTRANSFER_WORKER_HEALTH_PORT: {raw!r} is not a port (0 to 65535)")
        raw_load = env.get("WARMTRANSFER_WORKER_LOAD_THRESHOLD", "").strip()
        try:
            load_threshold = float(raw_load) if raw_load else DEFAULT_LOAD_THRESHOLD
        except ValueError:
            load_threshold = -1.0
        if not 0.0 < load_threshold <= 1.0:
            raise SystemExit(
                f"WARMTRANSFER_WORKER_LOAD_THRESHOLD: {raw_load!r} is not a load in (0, 1]"
            )
        for check in (stt_threads, short_window_s):  # read later, in the inference process
            try:
                check(env)
            except ValueError as e:
                raise SystemExit(str(e)) from None
        return cls(
            livekit_url=env.get("LIVEKIT_URL") or DEV_LIVEKIT_URL,
            api_key=env.get("LIVEKIT_API_KEY") or DEV_LIVEKIT_KEY,
            api_secret=env.get("LIVEKIT_API_SECRET") or DEV_LIVEKIT_SECRET,
            server=env.get("WARMTRANSFER_SERVER") or DEFAULT_SERVER,
            health_port=int(raw),
            load_threshold=load_threshold,
            providers=dict(env),
        )
