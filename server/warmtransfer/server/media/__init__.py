"""The media side of a call: LiveKit rooms, join tokens and participants."""

from warmtransfer.server.media.livekit_rooms import LiveKitConfig, LiveKitRooms, grants_for

__all__ = ["LiveKitConfig", "LiveKitRooms", "grants_for"]
