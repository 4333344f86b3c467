"""Keyset pagination and id bounds, identical in both implementations.

A cursor is the (created_at, id) of the last item of a page, as
``base64url("<microseconds since epoch>:<id>")``: opaque to clients, and small.
The next page is ``WHERE (created_at, id) < (cursor.created_at, cursor.id)`` in the
order ``created_at DESC, id DESC``, which the composite indexes serve directly.

Invariant: a ``?cursor=`` is accepted only if a page could have given it (at most
``CURSOR_MAX_LENGTH`` characters, well encoded, an integer id within ``ID_MIN..BIGINT_MAX``
or a UUID); anything else is ``InvalidCursor`` (the callers' 422, same words on both
stacks), never a query PostgreSQL refuses. Integer ids are BIGINT: a path or query id
outside ``ID_MIN..BIGINT_MAX`` can match no row and is refused as input, not looked up.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
CURSOR_MAX_LENGTH = 100
"""Far above any cursor a page gives (a UUID one is under 80 characters)."""
ID_MIN = 1
BIGINT_MAX = 2**63 - 1
INVALID_CURSOR = "cursor is not valid"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

CursorId = int | uuid.UUID
IdType = type[int] | type[uuid.UUID]
Row = TypeVar("Row")


class InvalidCursor(ValueError):
    pass


def is_valid_id(value: int) -> bool:
    """An integer id a BIGINT identity column can hold (users, posts, comments, jobs)."""
    return ID_MIN <= value <= BIGINT_MAX


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: CursorId

    def encode(self) -> str:
        micros = (self.created_at - _EPOCH) // timedelta(microseconds=1)
        return base64.urlsafe_b64encode(f"{micros}:{self.id}".encode()).rstrip(b"=").decode()

    @classmethod
    def decode(cls, value: str, *, id_type: IdType = int) -> Cursor:
        """The cursor a page gave, or ``InvalidCursor`` (see the module's invariant)."""
        if len(value) > CURSOR_MAX_LENGTH:
            raise InvalidCursor(INVALID_CURSOR)
        try:
            padded = value + "=" * (-len(value) % 4)
            micros, _, raw_id = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
            created_at = _EPOCH + timedelta(microseconds=int(micros))
            ident: CursorId = id_type(raw_id)
        except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError) as exc:
            raise InvalidCursor(INVALID_CURSOR) from exc
        if isinstance(ident, int) and not is_valid_id(ident):
            raise InvalidCursor(INVALID_CURSOR)
        return cls(created_at=created_at, id=ident)


def next_cursor(
    rows: Sequence[Row],
    limit: int,
    created_at_of: Callable[[Row], datetime],
    id_of: Callable[[Row], CursorId],
) -> str | None:
    """The cursor after ``rows`` when a further page exists (``rows`` holds limit+1)."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return Cursor(created_at_of(last), id_of(last)).encode()
