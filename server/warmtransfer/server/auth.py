"""Who is calling: the API key's tenant and privileges, for the duration of one RPC."""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from warmtransfer.server.config import ApiKey
from warmtransfer.server.errors import PermissionDenied, Unauthenticated
from warmtransfer.server.ingest_tokens import IngestTokens

__all__ = ["CALL_SCOPED_METHODS", "Principal", "authenticate", "current_principal", "require_call"]

CALL_SCOPED_METHODS = frozenset(
    {
        "/warmtransfer.v1.TranscriptService/StreamTranscript",
        "/warmtransfer.v1.CallService/RecordParticipantEvent",
    }
)
"""What a call-scoped token (the media worker's) may call, for its own call only."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The tenant an RPC acts for, whether it may read raw (unredacted) text, and, for the
    media worker's call-scoped token, the one call it may act on."""

    tenant_id: str
    privileged: bool = False
    call_id: str | None = None
    key_id: str = ""  # a fingerprint of the API key, for audit logs (never the key itself)


_principal: contextvars.ContextVar[Principal] = contextvars.ContextVar("principal")


def authenticate(
    metadata: Mapping[str, str],
    keys: Mapping[str, ApiKey],
    method: str = "",
    tokens: IngestTokens | None = None,
) -> Principal:
    """Resolve `authorization: Bearer <key>` to a principal, or raise Unauthenticated.

    The bearer is an API key, or a call-scoped token, which is good for `CALL_SCOPED_METHODS`
    only (PermissionDenied for any other method).
    """
    header = metadata.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if not header:
        raise Unauthenticated("missing API key: send metadata 'authorization: Bearer <key>'")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthenticated("malformed authorization metadata: expected 'Bearer <key>'")
    api_key = keys.get(key.strip())
    if api_key is not None:
        return Principal(api_key.tenant_id, api_key.privileged, key_id=key_fingerprint(key))
    grant = tokens.verify(key.strip()) if tokens is not None else None
    if grant is None:
        raise Unauthenticated("unknown API key")
    if method not in CALL_SCOPED_METHODS:
        raise PermissionDenied(f"a call-scoped token cannot call {method.rsplit('/', 1)[-1]}")
    return Principal(grant.tenant_id, call_id=grant.call_id)


def key_fingerprint(key: str) -> str:
    """A short, stable identifier of an API key that does not reveal it."""
    return "key-" + hashlib.sha256(key.strip().encode()).hexdigest()[:12]


def current_principal() -> Principal:
    """The principal of the RPC being served (set by the interceptor)."""
    try:
        return _principal.get()
    except LookupError:  # a servicer was reached without the interceptor: refuse
        raise Unauthenticated("request was not authenticated") from None


def set_principal(principal: Principal) -> contextvars.Token[Principal]:
    return _principal.set(principal)


def require_call(principal: Principal, call_id: str, field: str) -> None:
    """Refuse a call-scoped principal acting on another call than its own."""
    if principal.call_id is not None and principal.call_id != call_id:
        raise PermissionDenied(f"this token is for another call than {call_id!r}", field=field)
