"""The transfer's states and the one table of the moves between them.

    (StartTransfer) ──► CONSULTING
    CONSULTING  ──CompleteTransfer──────────────────────► COMPLETING
                ──CancelTransfer────────────────────────► CANCELLED
                ──DeclineTransfer (B)───────────────────► DECLINED
                ──B not in time, or the caller hangs up─► FAILED
    COMPLETING  ──B seen in the call room, A removed────► COMPLETED
                ──B does not arrive in time─────────────► CONSULTING
                ──the caller hangs up───────────────────► FAILED

Every change of a transfer's state is checked against `MOVES` where it is written (the store's
`change_transfer`), so no caller can pass its own idea of what is allowed.
"""

from __future__ import annotations

from warmtransfer.server.errors import FailedPrecondition
from warmtransfer.v1 import transfer_pb2

__all__ = [
    "ACTIVE_STATES",
    "CANCELLED",
    "COMPLETED",
    "COMPLETING",
    "CONSULTING",
    "DECLINED",
    "END_STATES",
    "FAILED",
    "MOVES",
    "check_move",
]

CONSULTING = transfer_pb2.TRANSFER_STATE_CONSULTING
COMPLETING = transfer_pb2.TRANSFER_STATE_COMPLETING
COMPLETED = transfer_pb2.TRANSFER_STATE_COMPLETED
CANCELLED = transfer_pb2.TRANSFER_STATE_CANCELLED
DECLINED = transfer_pb2.TRANSFER_STATE_DECLINED
FAILED = transfer_pb2.TRANSFER_STATE_FAILED

# state -> the states it may become. A transfer starts CONSULTING (StartTransfer inserts it).
MOVES: dict[int, frozenset[int]] = {
    CONSULTING: frozenset({COMPLETING, CANCELLED, DECLINED, FAILED}),
    COMPLETING: frozenset({COMPLETED, CONSULTING, FAILED}),
    COMPLETED: frozenset(),
    CANCELLED: frozenset(),
    DECLINED: frozenset(),
    FAILED: frozenset(),
}
ACTIVE_STATES = tuple(state for state, to in MOVES.items() if to)
END_STATES = tuple(state for state, to in MOVES.items() if not to)


def check_move(transfer_id: str, before: int, after: int) -> None:
    """Refuse a change the table does not allow (FAILED_PRECONDITION naming the transfer)."""
    if after not in MOVES.get(before, frozenset()):
        name = transfer_pb2.TransferState.Name
        raise FailedPrecondition(
            f"transfer {transfer_id!r} is {name(before)}, so it cannot become {name(after)}",  # type: ignore[arg-type]
            field="transfer_id",
        )
