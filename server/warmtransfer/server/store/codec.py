"""The store's integer microseconds as protobuf times, and back."""

from __future__ import annotations

import time

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

__all__ = ["duration_us", "now_us", "timestamp_us"]


def now_us() -> int:
    return time.time_ns() // 1000


def timestamp_us(us: int) -> Timestamp:
    return Timestamp(seconds=us // 1_000_000, nanos=(us % 1_000_000) * 1000)


def duration_us(d: Duration) -> int:
    return d.seconds * 1_000_000 + d.nanos // 1000
