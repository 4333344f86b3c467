"""JSON out: ``users`` rows to the contract's ``Me`` shape, for ``saaskit.web.JSONBytes``.

Invariant: ``me`` gives exactly the fields of ``schemas.Me`` (which documents the shape
in OpenAPI), JSON-ready, the timestamp in the contract's format. Routes serialise it once
with orjson (see ``saaskit.web.responses``); token pairs, the JWKS and the 202 answers are
JSON-ready dicts already.
"""

from __future__ import annotations

from typing import Any

from saaskit.timeutil import rfc3339
from saaskit.web.responses import Row


def me(row: Row) -> dict[str, Any]:
    return {"id": row["id"], "email": row["email"], "username": row["username"],
            "full_name": row["full_name"], "is_active": row["is_active"],
            "email_verified": row["email_verified"], "created_at": rfc3339(row["created_at"])}
