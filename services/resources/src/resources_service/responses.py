"""JSON out: rows to the contract's shapes, for ``saaskit.web.responses.JSONBytes``.

Invariant: each function gives exactly the fields of its model in ``schemas.py`` (which
documents the shape in OpenAPI), JSON-ready, timestamps in the contract's format. Routes
return ``JSONBytes`` of the result, serialised once with orjson, so FastAPI does no
second validation or encoding pass (why: docs/decisions.md, measured by
``python -m bench.bodies``); the contract tests check the bodies against the models.
"""

from __future__ import annotations

from typing import Any

from saaskit.timeutil import rfc3339
from saaskit.web.responses import Row, page

__all__ = ["comment", "job", "page", "post", "user_public"]


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

