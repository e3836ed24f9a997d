"""What redaction produces: findings in a segment's own text, and revisions of segments.

A `Finding` is a span of personal data in the *original* text of one segment, `[start, end)`,
with the entity type that names it. A `Revision` is the redacted text of one segment with the
findings it hides; a segment gets a new revision when a later segment of the same speaker
completes an entity that began in it ("four one one one" … "one one one one …").
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ENTITY_TYPES", "Finding", "Revision"]

ENTITY_TYPES: tuple[str, ...] = (
    "PERSON",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "CREDIT_CARD",
    "CARD_CVV",
    "CARD_EXPIRY",
    "US_SSN",
    "US_BANK_NUMBER",
    "ROUTING_NUMBER",
    "IBAN_CODE",
    "STREET_ADDRESS",
    "DATE_OF_BIRTH",
    "IP_ADDRESS",
    "PASSPORT",
    "ACCOUNT_ID",
    "PIN",
)
"""The entity types redaction reports, each also the tag it writes (`<PHONE_NUMBER>`)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """Personal data at `[start, end)` of a segment's original text."""

    entity_type: str
    start: int
    end: int
    score: float = field(default=1.0, compare=False)


@dataclass(frozen=True, slots=True)
class Revision:
    """The redacted text of segment `seq` and the findings it hides (in original offsets)."""

    seq: int
    text: str
    findings: tuple[Finding, ...]
