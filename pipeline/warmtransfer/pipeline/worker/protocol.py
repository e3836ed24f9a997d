"""What the server and the media worker agree on: the agent name the server dispatches to,
the worker's participant identities, and the data-message topic of briefings.

Light on purpose (no livekit-agents import), so the server can use it."""

from __future__ import annotations

__all__ = [
    "AGENT_NAME",
    "BRIEFER_IDENTITY",
    "BRIEFING_TOPIC",
    "HOLD_IDENTITY",
    "ROLE_ATTRIBUTE",
    "TRANSCRIBER_IDENTITY",
    "TRANSCRIBE_TASK",
    "WORKER_PREFIX",
]

AGENT_NAME = "warmtransfer"
WORKER_PREFIX = "warmtransfer-"
HOLD_IDENTITY = WORKER_PREFIX + "hold"
BRIEFER_IDENTITY = WORKER_PREFIX + "briefer"
TRANSCRIBER_IDENTITY = WORKER_PREFIX + "transcriber"
BRIEFING_TOPIC = "warmtransfer.briefing"
ROLE_ATTRIBUTE = "warmtransfer.role"
"""The participant attribute, set by the join token, that names the participant's role."""
TRANSCRIBE_TASK = "transcribe"
"""A job's task: transcribe the call room. Its metadata also carries `call_id`, `token` (the
call-scoped credential for the server) and `started_at` (the call's start, Unix seconds)."""
