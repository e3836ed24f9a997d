"""The redaction seam: everything downstream of ingest reads text through a `Redactor`.

`PatternRedactor` is the built-in baseline: regular expressions for e-mail addresses, card-,
phone- and account-like digit runs (digits or spoken digits), and SSN-shaped numbers, replaced by
entity tags. It is deliberately conservative and knows no names or addresses; the Presidio
redactor (spaCy NER, spoken-form normalization, cross-segment windows) replaces it behind the
same protocol.
"""

from __future__ import annotations

import re
from typing import Protocol

__all__ = ["PatternRedactor", "Redactor"]


class Redactor(Protocol):
    """Replaces personal data in one segment's text with entity tags."""

    name: str

    def redact(self, text: str) -> str:
        """Return `text` with personal data replaced."""
        ...


_SPOKEN_DIGIT = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "EMAIL_ADDRESS",
        re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    ),
    ("US_SSN", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    # 7+ digits, possibly grouped by spaces, dots or dashes: cards, phones, accounts.
    ("NUMBER_ID", re.compile(r"(?<![\w$.])\+?\d(?:[ .-]?\d){6,}(?![\w.]\d)")),
    # 7+ spoken digits in a row ("four one one one ...").
    (
        "NUMBER_ID",
        re.compile(rf"\b{_SPOKEN_DIGIT}(?:[ ,-]+{_SPOKEN_DIGIT}){{6,}}\b", re.IGNORECASE),
    ),
)


class PatternRedactor:
    """Pattern-only redaction: fast, predictable, no model."""

    name = "pattern"

    def redact(self, text: str) -> str:
        for tag, pattern in _PATTERNS:
            text = pattern.sub(f"<{tag}>", text)
        return text
