"""JSON out: rows to the contract's shapes, serialised once with orjson.

Routes return these ``Response`` objects directly, so FastAPI does no second validation
or encoding pass; the pydantic models in ``schemas.py`` document the same shapes in
OpenAPI, and the tests check the two agree.
"""

from __future__ import annotations

from typing import Any, Protocol

import orjson
from starlette.responses import Response

from saaskit.timeutil import rfc3339


class Row(Protocol):
    """A row read by column name: SQLAlchemy's ``RowMapping`` or asyncpg's ``Record``."""

    def __getitem__(self, key: str, /) -> Any: ...


class JSONBytes(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def user_public(row: Row) -> dict[str, Any]:
    return {"id": row["id"], "username": row["username"], "full_name": row["full_name"],
            "created_at": rfc3339(row["created_at"])}


def post(row: Row) -> dict[str, Any]:
    return {"id": row["id"], "author_id": row["author_id"], "title": row["title"],
            "body": row["body"], "comment_count": row["comment_count"],
            "created_at": rfc3339(row["created_at"]), "updated_at": rfc3339(row["updated_at"])}


def comment(row: Row) -> dict[str, Any]:
    return {"id": row["id"], "post_id": row["post_id"], "author_id": row["author_id"],
            "body": row["body"], "created_at": rfc3339(row["created_at"])}


def job(row: Row) -> dict[str, Any]:
    return {"id": row["id"], "type": row["type"], "status": row["status"],
            "created_at": rfc3339(row["created_at"]), "finished_at": rfc3339(row["finished_at"]),
            "result": row["result"], "error": row["error"]}


def page(items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}
