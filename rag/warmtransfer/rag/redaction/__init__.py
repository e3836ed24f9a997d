"""PII redaction of live call transcripts (see `engine` for how a call is redacted)."""

from warmtransfer.rag.redaction.engine import (
    CallRedactor,
    RedactionEngine,
    RedactionRequest,
    RedactionStyle,
)
from warmtransfer.rag.redaction.model import ENTITY_TYPES, Finding, Revision

__all__ = [
    "ENTITY_TYPES",
    "CallRedactor",
    "Finding",
    "RedactionEngine",
    "RedactionRequest",
    "RedactionStyle",
    "Revision",
]
