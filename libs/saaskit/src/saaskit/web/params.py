"""Path and query parameters every FastAPI service reads the same way: integer ids and
keyset pages (``?limit=``, ``?cursor=``).

Invariant: the bounds are ``saaskit.pagination``'s, the ones the Django twin applies:
an id outside ``ID_MIN..BIGINT_MAX``, a limit outside ``1..MAX_LIMIT`` or a cursor no
page gave is 422 with its ``loc``, before any query runs. A page is asked for one row
more than its limit, which says whether a next page (and its cursor) exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query
from sqlalchemy import ColumnElement, Select, Table, tuple_

from saaskit.pagination import (
    BIGINT_MAX,
    CURSOR_MAX_LENGTH,
    DEFAULT_LIMIT,
    ID_MIN,
    MAX_LIMIT,
    Cursor,
    IdType,
    InvalidCursor,
    next_cursor,
)
from saaskit.problems import validation_error

Id = Annotated[int, Path(ge=ID_MIN, le=BIGINT_MAX)]
"""An integer id in the path (users, posts, comments, jobs)."""
Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")
Row = TypeVar("Row")


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: Cursor | None

    def apply(self, query: Q, table: Table) -> Q:
        """Newest first, ties broken by id; one row more than asked, to see if more exist."""
        created_at, id_ = table.c.created_at, table.c.id
        if self.cursor is not None:
            after: ColumnElement[bool] = tuple_(created_at, id_) < tuple_(
                self.cursor.created_at, self.cursor.id
            )
            query = query.where(after)
        return query.order_by(created_at.desc(), id_.desc()).limit(self.limit + 1)

    def page_of(self, rows: Sequence[Row]) -> tuple[list[Row], str | None]:
        """The page's rows (at most ``limit``) and the next page's cursor, if any."""
        cursor = next_cursor(rows, self.limit, _created_at, _id)
        return list(rows[: self.limit]), cursor


def _created_at(row: Any) -> Any:
    return row.created_at


def _id(row: Any) -> Any:
    return row.id


def keyset_params(id_type: IdType = int) -> Callable[..., Any]:
    """The dependency that reads ``?limit=`` and ``?cursor=`` for a list of rows with
    ``id_type`` ids (``int``, or ``uuid.UUID`` for files)."""

    async def page_params(
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")] = DEFAULT_LIMIT,
        cursor: Annotated[
            str | None,
            # The length is documented, and checked with the other cursor rules (the
            # twin's words, "cursor is not valid", for any cursor no page gave).
            Query(description="`next_cursor` of the previous page",
                  json_schema_extra={"maxLength": CURSOR_MAX_LENGTH}),
        ] = None,
    ) -> PageParams:
        if cursor is None:
            return PageParams(limit, None)
        try:
            return PageParams(limit, Cursor.decode(cursor, id_type=id_type))
        except InvalidCursor as exc:
            raise validation_error(["query", "cursor"], str(exc)) from None

    return page_params


Paging = Annotated[PageParams, Depends(keyset_params(int))]
"""A page of rows with integer ids (posts, comments)."""
UuidPaging = Annotated[PageParams, Depends(keyset_params(uuid.UUID))]
"""A page of rows with UUID ids (files)."""
