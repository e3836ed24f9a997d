"""Call-scoped credentials for the media worker.

The worker serves every tenant's calls, so it holds no API key. Instead, when the server sends it
to a call's room, the job carries a token that lets it do two things for that one call only:
stream the transcript (`StreamTranscript`) and report who joined or left
(`RecordParticipantEvent`). Anything else, or another call, is refused.

A token is `wtc1.<payload>.<signature>`: the payload names the tenant and the call, the signature
is an HMAC-SHA256 under the server's ingest secret. So it needs no storage, survives a server
restart, and every replica that shares the secret accepts it. The secret is
`WARMTRANSFER_INGEST_SECRET`, or else a random one kept in the data directory (created on first
start, readable by its owner only).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PREFIX", "IngestTokens", "load_secret"]

PREFIX = "wtc1."
SECRET_FILE = "ingest-secret"


@dataclass(frozen=True, slots=True)
class CallGrant:
    """What a valid token allows: acting for one call of one tenant."""

    tenant_id: str
    call_id: str


class IngestTokens:
    """Mints and verifies call-scoped tokens under one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the ingest secret must be at least 16 bytes")
        self._secret = secret

    def mint(self, tenant_id: str, call_id: str) -> str:
        payload = _b64(json.dumps({"t": tenant_id, "c": call_id}, separators=(",", ":")).encode())
        return f"{PREFIX}{payload}.{_b64(self._sign(payload))}"

    def verify(self, token: str) -> CallGrant | None:
        """The grant of a genuine token; None for anything else."""
        if not token.startswith(PREFIX):
            return None
        payload, _, signature = token[len(PREFIX) :].partition(".")
        try:
            genuine = hmac.compare_digest(_unb64(signature), self._sign(payload))
            claims = json.loads(_unb64(payload)) if genuine else None
        except (binascii.Error, ValueError):
            return None
        if not isinstance(claims, dict):
            return None
        tenant, call = claims.get("t"), claims.get("c")
        if not isinstance(tenant, str) or not isinstance(call, str):
            return None
        return CallGrant(tenant, call)

    def _sign(self, payload: str) -> bytes:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """The configured secret, or the one kept in `data_dir` (created the first time)."""
    if configured:
        return configured.encode()
    path = data_dir / SECRET_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    # Written whole under a temporary name, then linked into place: a concurrent first start
    # either wins the link or reads the winner's complete secret.
    tmp = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_urlsafe(32).encode())
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
