"""Request checks shared by the servicers; each failure names the offending field."""

from __future__ import annotations

import re
from collections.abc import Mapping

from warmtransfer.server.config import Limits
from warmtransfer.server.errors import InvalidArgument
from warmtransfer.v1 import transcript_pb2

__all__ = ["check_call_id", "check_identity", "check_metadata", "check_segment", "parse_cursor"]

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
    if segment.speaker_role not in transcript_pb2.SpeakerRole.values():
        raise InvalidArgument("segment.speaker_role", f"unknown value {segment.speaker_role}")
    if len(segment.speaker_identity) > 256:
        raise InvalidArgument("segment.speaker_identity", "is longer than 256 characters")
    start, end = segment.start_offset, segment.end_offset
    if start.seconds < 0 or start.nanos < 0 or end.seconds < 0 or end.nanos < 0:
        raise InvalidArgument("segment.start_offset", "offsets must not be negative")
    if end.ToNanoseconds() and end.ToNanoseconds() < start.ToNanoseconds():
        raise InvalidArgument("segment.end_offset", "is before segment.start_offset")


def parse_cursor(cursor: str) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 19:
        raise InvalidArgument("after_cursor", f"{cursor[:64]!r} is not a cursor from this server")
    return int(cursor)
