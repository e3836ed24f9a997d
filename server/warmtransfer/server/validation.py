"""Request checks shared by the servicers; each failure names the offending field."""

from __future__ import annotations

import re
from collections.abc import Mapping

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from warmtransfer.pipeline.worker.protocol import WORKER_PREFIX
from warmtransfer.server.config import Limits
from warmtransfer.server.errors import InvalidArgument
from warmtransfer.v1 import transcript_pb2

__all__ = [
    "check_call_id",
    "check_duration",
    "check_identity",
    "check_metadata",
    "check_segment",
    "check_timestamp",
    "parse_cursor",
]

_CALL_ID = re.compile(r"^c_[0-9a-f]{24}$")


def check_call_id(call_id: str, field: str = "call_id") -> str:
    if not call_id:
        raise InvalidArgument(field, "is required")
    if not _CALL_ID.match(call_id):
        raise InvalidArgument(field, f"{call_id[:64]!r} is not a call id (like 'c_0192ab...')")
    return call_id


_IDENTITY = re.compile(r"^[A-Za-z0-9_.@:+-]{1,128}$")


def check_identity(identity: str, field: str = "identity") -> str:
    if not identity:
        raise InvalidArgument(field, "is required")
    if not _IDENTITY.match(identity):
        raise InvalidArgument(
            field, "must be 1 to 128 letters, digits or the characters _ . @ : + -"
        )
    if identity.startswith(WORKER_PREFIX):
        raise InvalidArgument(
            field, f"must not start with {WORKER_PREFIX!r} (the product's own participants)"
        )
    return identity


def check_metadata(metadata: Mapping[str, str], limits: Limits) -> None:
    if len(metadata) > limits.max_metadata_entries:
        raise InvalidArgument(
            "metadata",
            f"has {len(metadata)} entries; at most {limits.max_metadata_entries} are allowed",
        )
    size = sum(len(k.encode()) + len(v.encode()) for k, v in metadata.items())
    if size > limits.max_metadata_bytes:
        raise InvalidArgument(
            "metadata", f"is {size} bytes; at most {limits.max_metadata_bytes} are allowed"
        )
    for key in metadata:
        if not key or len(key) > 128:
            raise InvalidArgument("metadata", f"key {key[:64]!r} must be 1 to 128 characters")


# The ranges protobuf's well-known types define: Timestamps in years 1 to 9999 (UTC), Durations
# up to 10,000 years; nanos below a second, never negative in a Timestamp, and of the same sign as
# the seconds in a Duration.
_SPEAKER_ROLES = frozenset(transcript_pb2.SpeakerRole.values())
_MIN_TIMESTAMP_S, _MAX_TIMESTAMP_S = -62_135_596_800, 253_402_300_799
_MAX_DURATION_S = 315_576_000_000
_NANOS = 1_000_000_000


def check_timestamp(value: Timestamp, field: str) -> int:
    """A valid Timestamp, in microseconds since the epoch."""
    if not _MIN_TIMESTAMP_S <= value.seconds <= _MAX_TIMESTAMP_S:
        raise InvalidArgument(field, "seconds are out of range (years 1 to 9999)")
    if not 0 <= value.nanos < _NANOS:
        raise InvalidArgument(field, "nanos must be between 0 and 999,999,999")
    return value.seconds * 1_000_000 + value.nanos // 1000


def check_duration(value: Duration, field: str, *, negative: bool = True) -> int:
    """A valid Duration (not negative unless `negative`), in microseconds."""
    if not -_MAX_DURATION_S <= value.seconds <= _MAX_DURATION_S:
        raise InvalidArgument(field, "seconds are out of range (10,000 years at most)")
    if not -_NANOS < value.nanos < _NANOS:
        raise InvalidArgument(field, "nanos must be between -999,999,999 and 999,999,999")
    if (value.seconds > 0 and value.nanos < 0) or (value.seconds < 0 and value.nanos > 0):
        raise InvalidArgument(field, "seconds and nanos must have the same sign")
    if not negative and (value.seconds < 0 or value.nanos < 0):
        raise InvalidArgument(field, "must not be negative")
    return value.seconds * 1_000_000 + int(value.nanos / 1000)


def check_segment(segment: transcript_pb2.TranscriptSegment, limits: Limits) -> None:
    if segment.seq <= 0:
        raise InvalidArgument("segment.seq", f"must be positive, got {segment.seq}")
    text = segment.text
    if segment.is_final and not text.strip():
        raise InvalidArgument("segment.text", "must not be empty in a final segment")
    if len(text) > limits.max_segment_chars:
        raise InvalidArgument(
            "segment.text",
            f"is {len(text)} characters; at most {limits.max_segment_chars} are allowed",
        )
    if segment.speaker_role not in _SPEAKER_ROLES:
        raise InvalidArgument("segment.speaker_role", f"unknown value {segment.speaker_role}")
    if len(segment.speaker_identity) > 256:
        raise InvalidArgument("segment.speaker_identity", "is longer than 256 characters")
    start = check_duration(segment.start_offset, "segment.start_offset", negative=False)
    end = check_duration(segment.end_offset, "segment.end_offset", negative=False)
    if end and end < start:
        raise InvalidArgument("segment.end_offset", "is before segment.start_offset")


def parse_cursor(cursor: str) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 19:
        raise InvalidArgument("after_cursor", f"{cursor[:64]!r} is not a cursor from this server")
    return int(cursor)
