"""Domain errors, mapped to canonical gRPC status codes by one interceptor.

    WarmTransferError                    (never raised itself)
     ├── InvalidArgument   → INVALID_ARGUMENT, names the offending field
     ├── NotFound          → NOT_FOUND (also for another tenant's resources)
     ├── FailedPrecondition → FAILED_PRECONDITION (wrong call or transfer state)
     ├── ResourceExhausted → RESOURCE_EXHAUSTED (a per-call limit is reached)
     │    └── Overloaded   → RESOURCE_EXHAUSTED (the server is saturated: no new calls now), with
     │                       `retry_after` sent as google.rpc.RetryInfo
     ├── Unauthenticated   → UNAUTHENTICATED (missing or unknown API key)
     ├── PermissionDenied  → PERMISSION_DENIED (the key may not do this)
     ├── Unavailable       → UNAVAILABLE (the server is stopping, LiveKit is unreachable: retry)
     └── Unimplemented     → UNIMPLEMENTED (a later part of the product)

Servicers and the store raise these; they never build gRPC statuses themselves.
"""

from __future__ import annotations

from typing import ClassVar

import grpc

__all__ = [
    "FailedPrecondition",
    "InvalidArgument",
    "NotFound",
    "Overloaded",
    "PermissionDenied",
    "ResourceExhausted",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "WarmTransferError",
]


class WarmTransferError(Exception):
    """Base of every error a client may see; carries a human sentence and a reason code."""

    code: ClassVar[grpc.StatusCode] = grpc.StatusCode.INTERNAL
    reason: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidArgument(WarmTransferError):
    """A request field is missing, malformed or out of bounds."""

    code = grpc.StatusCode.INVALID_ARGUMENT
    reason = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)


class NotFound(WarmTransferError):
    """The resource does not exist for this tenant."""

    code = grpc.StatusCode.NOT_FOUND
    reason = "NOT_FOUND"


class FailedPrecondition(WarmTransferError):
    """The resource is not in a state that allows the request."""

    code = grpc.StatusCode.FAILED_PRECONDITION
    reason = "FAILED_PRECONDITION"


class ResourceExhausted(WarmTransferError):
    """A configured limit is reached, or (with `retry_after` seconds) the server has no room for
    new work now."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    reason = "LIMIT_REACHED"

    def __init__(
        self, message: str, *, field: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class Overloaded(ResourceExhausted):
    """The server is saturated: it takes no new calls now (retry after `retry_after` seconds,
    or on another replica)."""

    reason = "OVERLOADED"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, retry_after=retry_after)


class Unauthenticated(WarmTransferError):
    """No API key, or one the server does not know."""

    code = grpc.StatusCode.UNAUTHENTICATED
    reason = "UNAUTHENTICATED"


class PermissionDenied(WarmTransferError):
    """The API key is known but may not do this."""

    code = grpc.StatusCode.PERMISSION_DENIED
    reason = "PERMISSION_DENIED"


class Unimplemented(WarmTransferError):
    """The RPC belongs to a part of the product that is not built yet."""

    code = grpc.StatusCode.UNIMPLEMENTED
    reason = "UNIMPLEMENTED"


class Unavailable(WarmTransferError):
    """The server is stopping or a service it needs is unreachable; the client retries."""

    code = grpc.StatusCode.UNAVAILABLE
    reason = "UNAVAILABLE"
