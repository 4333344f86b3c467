"""Keyset pagination cursors, identical in both implementations.

A cursor is the (created_at, id) of the last item of a page, as
``base64url("<microseconds since epoch>:<id>")``: opaque to clients, and small.
The next page is ``WHERE (created_at, id) < (cursor.created_at, cursor.id)`` in the
order ``created_at DESC, id DESC``, which the composite indexes serve directly.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: int | str

    def encode(self) -> str:
        micros = (self.created_at - _EPOCH) // timedelta(microseconds=1)
        return base64.urlsafe_b64encode(f"{micros}:{self.id}".encode()).rstrip(b"=").decode()

    @classmethod
    def decode(cls, value: str, *, id_type: type = int) -> Cursor:
        try:
            padded = value + "=" * (-len(value) % 4)
            micros, _, raw_id = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
            created_at = _EPOCH + timedelta(microseconds=int(micros))
            return cls(created_at=created_at, id=id_type(raw_id))
        except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError) as exc:
            raise InvalidCursor("cursor is not valid") from exc


def next_cursor(rows: list, limit: int, created_at_of, id_of) -> str | None:
    """The cursor after ``rows`` when a further page exists (``rows`` holds limit+1)."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return Cursor(created_at_of(last), id_of(last)).encode()
