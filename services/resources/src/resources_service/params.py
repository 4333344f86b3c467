"""Path and query parameters shared by the routes: ids, keyset pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query
from sqlalchemy import ColumnElement, Select, Table, tuple_

from saaskit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Cursor, InvalidCursor, next_cursor
from saaskit.problems import validation_error

BIGINT_MAX = 2**63 - 1  # ids are BIGINT: anything larger can match no row

Id = Annotated[int, Path(ge=1, le=BIGINT_MAX)]


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: Cursor | None

    def apply(self, query: Select, table: Table) -> Select:
        """Newest first, ties broken by id; one row more than asked, to see if more exist."""
        created_at, id_ = table.c.created_at, table.c.id
        if self.cursor is not None:
            after: ColumnElement[bool] = tuple_(created_at, id_) < tuple_(
                self.cursor.created_at, self.cursor.id
            )
            query = query.where(after)
        return query.order_by(created_at.desc(), id_.desc()).limit(self.limit + 1)

    def page_of(self, rows: list) -> tuple[list, str | None]:
        cursor = next_cursor(rows, self.limit, lambda r: r.created_at, lambda r: r.id)
        return rows[: self.limit], cursor


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=100, description="`next_cursor` of the previous page")
    ] = None,
) -> PageParams:
    if cursor is None:
        return PageParams(limit, None)
    try:
        decoded = Cursor.decode(cursor)
    except InvalidCursor:
        raise validation_error(["query", "cursor"], "cursor is not valid") from None
    if not 0 < int(decoded.id) <= BIGINT_MAX:
        raise validation_error(["query", "cursor"], "cursor is not valid")
    return PageParams(limit, decoded)


Paging = Annotated[PageParams, Depends(page_params)]
