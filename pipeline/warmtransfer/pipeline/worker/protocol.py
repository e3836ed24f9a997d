"""What the server and the media worker agree on, typed: the agent name the server dispatches
to, the worker's participant identities, the jobs it is dispatched for, the room metadata the
server writes and the worker follows, and the data messages the worker sends.

Light on purpose (no livekit-agents import), so the server can use it.

**Jobs** (a dispatch's metadata, JSON; `Job.parse` reads one):
- `TranscribeJob`: dispatched with every call room. The worker joins the call as
  `warmtransfer-transcriber`, transcribes every person in it into the server, and plays the
  hold music into the room whenever the room's metadata asks for it (`CallRoomState`).
- `BriefingJob`: a transfer's briefing. The call's transcriber takes it from the call room's
  metadata and joins the consult room as `warmtransfer-briefer`; where the call room has no
  transcriber, the server dispatches it into the consult room instead. Either way the briefer
  synthesizes the briefing at once, and sends and speaks it the moment B joins; a newer text
  in the consult room's metadata (`ConsultRoomState`) replaces it until then.

**Room metadata** (JSON, written only by the server):
- A call room's: `{"call_id", "tenant_id", "hold_music": bool, "briefing"?}`. `hold_music` is
  the command for the music: the worker already in the room starts or stops it on the change,
  so nothing has to join the room. Any LiveKit client can read it to show the caller as on
  hold. `briefing` (`{"to_identity", "text", "transfer_id", "reason", "room"}`, while a
  transfer is under way) asks the transcriber to brief B in the consult room `room`.
- A consult room's: `{"call_id", "tenant_id", "briefing_text"}` once the summary has moved on
  since StartTransfer.

**Participant attributes:**
- `warmtransfer.role` on every participant, set by its join token (`ROLE_ATTRIBUTE`).
- `warmtransfer.hold_music` on `warmtransfer-transcriber`: `"playing"` while the hold music
  plays, absent otherwise (`HOLD_MUSIC_ATTRIBUTE`). The server waits for it before it takes the
  caller's subscription to the agent away (see `transfer.coordinator`).

**Data messages** (reliable, JSON):
- topic `warmtransfer.briefing`, from `warmtransfer-briefer` to the consult room as B joins:
  `{"type": "briefing", "text", "transfer_id", "reason"}` (`BriefingMessage`).
- topic `warmtransfer`, from the server to the consult room when a transfer fails:
  `{"type": "transfer_failed", "transfer_id", "reason"}` (`TransferFailedMessage`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

__all__ = [
    "AGENT_NAME",
    "BRIEFER_IDENTITY",
    "BRIEFING_TOPIC",
    "DEV_LIVEKIT_KEY",
    "DEV_LIVEKIT_SECRET",
    "DEV_LIVEKIT_URL",
    "EVENTS_TOPIC",
    "HOLD_MUSIC_ATTRIBUTE",
    "HOLD_MUSIC_PLAYING",
    "ROLE_ATTRIBUTE",
    "TRANSCRIBER_IDENTITY",
    "WORKER_PREFIX",
    "BriefingJob",
    "BriefingMessage",
    "CallRoomState",
    "ConsultRoomState",
    "Job",
    "TranscribeJob",
    "TransferFailedMessage",
]

AGENT_NAME = "warmtransfer"
WORKER_PREFIX = "warmtransfer-"
"""Every participant of the product's own (the worker's) has an identity starting with this."""
BRIEFER_IDENTITY = WORKER_PREFIX + "briefer"
TRANSCRIBER_IDENTITY = WORKER_PREFIX + "transcriber"
BRIEFING_TOPIC = "warmtransfer.briefing"
EVENTS_TOPIC = "warmtransfer"
ROLE_ATTRIBUTE = "warmtransfer.role"
"""The participant attribute, set by the join token, that names the participant's role."""
HOLD_MUSIC_ATTRIBUTE = "warmtransfer.hold_music"
HOLD_MUSIC_PLAYING = "playing"
"""The transcriber's attribute while its hold music plays (absent otherwise)."""

# The local development LiveKit (`make run` starts livekit-server --dev with this key: a
# full-strength HS256 secret, unlike --dev's default "secret"). Never use it outside a
# developer's machine. The Makefile repeats the pair for livekit-server's command line.
DEV_LIVEKIT_URL = "ws://127.0.0.1:7880"
DEV_LIVEKIT_KEY = "devkey"
DEV_LIVEKIT_SECRET = "warmtransfer-dev-secret-not-for-production"


def _object(raw: str | bytes | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class TranscribeJob:
    """Transcribe the call room into the server, and play hold music when the room asks."""

    TASK: ClassVar[str] = "transcribe"
    IDENTITY: ClassVar[str] = TRANSCRIBER_IDENTITY
    call_id: str
    token: str
    """The call-scoped credential the worker presents to the server."""
    started_at: float
    """The call's start, Unix seconds."""

    def to_json(self) -> str:
        return json.dumps({"task": self.TASK, **asdict(self)})


@dataclass(frozen=True, slots=True)
class BriefingJob:
    """Brief B in the consult room: the text sent and spoken as B joins."""

    TASK: ClassVar[str] = "briefing"
    IDENTITY: ClassVar[str] = BRIEFER_IDENTITY
    to_identity: str
    text: str
    transfer_id: str = ""
    reason: str = ""
    room: str = ""
    """The consult room (named in a call room's metadata; a dispatch names its room itself)."""

    def to_json(self) -> str:
        return json.dumps({"task": self.TASK, **asdict(self)})

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> BriefingJob | None:
        to_identity = str(raw.get("to_identity") or "")
        if not to_identity:
            return None
        # Earlier servers nested the transfer's id and reason under "briefing".
        briefing = raw.get("briefing")
        nested: dict[str, Any] = briefing if isinstance(briefing, dict) else {}
        return cls(
            to_identity=to_identity,
            text=str(raw.get("text") or ""),
            transfer_id=str(raw.get("transfer_id") or nested.get("transfer_id") or ""),
            reason=str(raw.get("reason") or nested.get("reason") or ""),
            room=str(raw.get("room") or ""),
        )


class Job:
    """Reading a dispatch's metadata."""

    @staticmethod
    def parse(metadata: str) -> TranscribeJob | BriefingJob | None:
        """The job a dispatch asks for, or None when the metadata names no known job or lacks
        what it needs."""
        raw = _object(metadata)
        task = raw.get("task")
        if task == TranscribeJob.TASK:
            call_id, token = str(raw.get("call_id") or ""), str(raw.get("token") or "")
            if not call_id or not token:
                return None
            try:
                started_at = float(raw.get("started_at") or 0.0)
            except (TypeError, ValueError):
                started_at = 0.0
            return TranscribeJob(call_id=call_id, token=token, started_at=started_at)
        if task == BriefingJob.TASK:
            return BriefingJob.from_dict(raw)
        return None


@dataclass(frozen=True, slots=True)
class CallRoomState:
    """A call room's metadata."""

    call_id: str
    tenant_id: str
    hold_music: bool = False
    briefing: BriefingJob | None = None
    """The transfer under way, for the transcriber to brief B in its consult room."""

    def to_json(self) -> str:
        state: dict[str, Any] = {
            "call_id": self.call_id,
            "tenant_id": self.tenant_id,
            "hold_music": self.hold_music,
        }
        if self.briefing is not None:
            state["briefing"] = asdict(self.briefing)
        return json.dumps(state)

    @classmethod
    def parse(cls, metadata: str) -> CallRoomState:
        raw = _object(metadata)
        briefing = raw.get("briefing")
        job = BriefingJob.from_dict(briefing) if isinstance(briefing, dict) else None
        return cls(
            call_id=str(raw.get("call_id") or ""),
            tenant_id=str(raw.get("tenant_id") or ""),
            hold_music=raw.get("hold_music") is True,
            briefing=job if job is not None and job.room else None,
        )


@dataclass(frozen=True, slots=True)
class ConsultRoomState:
    """A consult room's metadata: a newer briefing text, once the summary has moved on."""

    call_id: str
    tenant_id: str
    briefing_text: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def parse(cls, metadata: str) -> ConsultRoomState:
        raw = _object(metadata)
        return cls(
            call_id=str(raw.get("call_id") or ""),
            tenant_id=str(raw.get("tenant_id") or ""),
            briefing_text=str(raw.get("briefing_text") or ""),
        )


@dataclass(frozen=True, slots=True)
class BriefingMessage:
    """Sent on `BRIEFING_TOPIC` to the consult room as B joins."""

    text: str
    transfer_id: str
    reason: str
    type: str = field(default="briefing", init=False)

    def encode(self) -> bytes:
        return json.dumps(asdict(self)).encode()


@dataclass(frozen=True, slots=True)
class TransferFailedMessage:
    """Sent on `EVENTS_TOPIC` to the consult room when the transfer fails."""

    transfer_id: str
    reason: str
    type: str = field(default="transfer_failed", init=False)

    def encode(self) -> bytes:
        return json.dumps(asdict(self)).encode()
