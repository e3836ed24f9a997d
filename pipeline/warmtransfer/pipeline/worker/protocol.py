"""What the server and the media worker agree on: the agent name the server dispatches to,
the worker's participant identities, and the data-message topic of briefings.

Light on purpose (no livekit-agents import), so the server can use it."""

from __future__ import annotations

__all__ = ["AGENT_NAME", "BRIEFER_IDENTITY", "BRIEFING_TOPIC", "HOLD_IDENTITY", "WORKER_PREFIX"]

AGENT_NAME = "warmtransfer"
WORKER_PREFIX = "warmtransfer-"
HOLD_IDENTITY = WORKER_PREFIX + "hold"
BRIEFER_IDENTITY = WORKER_PREFIX + "briefer"
BRIEFING_TOPIC = "warmtransfer.briefing"
