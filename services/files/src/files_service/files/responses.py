"""JSON out: ``files`` rows to the contract's ``File`` shape, for ``saaskit.web.JSONBytes``.

Invariant: ``file`` gives exactly the fields of ``schemas.File`` (which documents the
shape in OpenAPI), JSON-ready: the id as its string, the timestamp in the contract's
format. Routes serialise the result once with orjson (see ``saaskit.web.responses``).
"""

from __future__ import annotations

from typing import Any

from saaskit.timeutil import rfc3339
from saaskit.web.responses import Row


def file(row: Row) -> dict[str, Any]:
    return {"id": str(row["id"]), "filename": row["filename"],
            "content_type": row["content_type"], "size": row["size"], "sha256": row["sha256"],
            "status": row["status"], "created_at": rfc3339(row["created_at"])}
