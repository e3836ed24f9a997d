"""Who is calling: the API key's tenant and privileges, for the duration of one RPC."""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from dataclasses import dataclass

from warmtransfer.server.config import ApiKey
from warmtransfer.server.errors import Unauthenticated

__all__ = ["Principal", "authenticate", "current_principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    """The tenant an RPC acts for, and whether it may read raw (unredacted) text."""

    tenant_id: str
    privileged: bool = False


_principal: contextvars.ContextVar[Principal] = contextvars.ContextVar("principal")


def authenticate(metadata: Mapping[str, str], keys: Mapping[str, ApiKey]) -> Principal:
    """Resolve `authorization: Bearer <key>` to a principal, or raise Unauthenticated."""
    header = metadata.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if not header:
        raise Unauthenticated("missing API key: send metadata 'authorization: Bearer <key>'")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthenticated("malformed authorization metadata: expected 'Bearer <key>'")
    api_key = keys.get(key.strip())
    if api_key is None:
        raise Unauthenticated("unknown API key")
    return Principal(api_key.tenant_id, api_key.privileged)


def current_principal() -> Principal:
    """The principal of the RPC being served (set by the interceptor)."""
    try:
        return _principal.get()
    except LookupError:  # a servicer was reached without the interceptor: refuse
        raise Unauthenticated("request was not authenticated") from None


def set_principal(principal: Principal) -> contextvars.Token[Principal]:
    return _principal.set(principal)
