"""The LiveKit media worker: hold music into caller rooms, spoken briefings in consult rooms.

`protocol` holds what the server shares with it; `jobs` and `run` need livekit-agents."""

from warmtransfer.pipeline.worker.protocol import (
    AGENT_NAME,
    BRIEFER_IDENTITY,
    BRIEFING_TOPIC,
    HOLD_IDENTITY,
)

__all__ = ["AGENT_NAME", "BRIEFER_IDENTITY", "BRIEFING_TOPIC", "HOLD_IDENTITY"]
