"""JSON bodies of the FastAPI services: plain dicts, serialised once with orjson.

Invariant: a route that answers with JSON returns ``JSONBytes(body)``, where ``body`` is
a dict (or list) of JSON-ready values shaped by a small function from the database row
(timestamps through ``saaskit.timeutil.rfc3339``). FastAPI passes a returned ``Response``
through untouched, so there is no validation or encoding pass over our own output; the
route's ``response_model=`` still documents the shape in OpenAPI, and the contract and
schemathesis tests check that the bodies match it. Why this and not pydantic's path:
``python -m bench.bodies`` measures both, and docs/decisions.md ("Performance choices on
the FastAPI side") records the numbers and what the choice gives up.
"""

from __future__ import annotations

from typing import Any, Protocol

import orjson
from starlette.responses import Response


class Row(Protocol):
    """A row read by column name: SQLAlchemy's ``RowMapping`` or asyncpg's ``Record``."""

    def __getitem__(self, key: str, /) -> Any: ...


class JSONBytes(Response):
    """``application/json`` rendered by orjson (UUIDs as strings, UTF-8 unescaped)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def page(items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    """The contract's ``Page``: a list of items and the cursor of the next page."""
    return {"items": items, "next_cursor": next_cursor}
