"""Timestamps: RFC 3339, UTC, always with a ``Z`` and microseconds, in both frameworks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def rfc3339(value: datetime) -> str: ...
@overload
def rfc3339(value: None) -> None: ...
@overload
def rfc3339(value: datetime | None) -> str | None: ...
def rfc3339(value: datetime | None) -> str | None:
    if value is None:
        return None
    # Both drivers hand back UTC timestamps (tzinfo ``datetime.UTC``), which need no
    # conversion; ``isoformat`` is twice as fast as ``strftime`` and this runs for every
    # timestamp of every response (70 in one overview).
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"  # "+00:00" -> "Z"
