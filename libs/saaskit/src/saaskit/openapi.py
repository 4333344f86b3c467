"""The answers every operation shares, written into both stacks' OpenAPI documents.

Invariant: a document says exactly what its service answers, so a client (or
schemathesis) never meets an undocumented status or media type. Some answers come from
layers no route declares: the bad-input guard (400 for a malformed query or body, 413
for a body over the limit, on every operation), token verification (401 with
``WWW-Authenticate: Bearer`` wherever a token is asked for), and every error being
``application/problem+json`` (the frameworks document their own errors as
``application/json``). One function adds them to a finished document, the FastAPI
app factory's and drf-spectacular's alike, so the two stacks' documents agree.
"""

from __future__ import annotations

from typing import Any

PROBLEM_JSON = "application/problem+json"
METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}
VALIDATION_PROBLEM_SCHEMA: dict[str, Any] = {
    **PROBLEM_SCHEMA,
    "description": "RFC 9457 problem details of a request that is not valid",
    "required": [*PROBLEM_SCHEMA["required"], "errors"],
    "properties": {
        **PROBLEM_SCHEMA["properties"],
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
}
SCHEMAS = {"Problem": PROBLEM_SCHEMA, "ValidationProblem": VALIDATION_PROBLEM_SCHEMA}


def _problem_content(status: str) -> dict[str, Any]:
    name = "ValidationProblem" if status == "422" else "Problem"
    return {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{name}"}}}


BAD_REQUEST = {
    "description": "malformed input: a query string or body that is not UTF-8, a query "
    "string over 2 KiB, a body that is not JSON or is nested too deep",
}
TOO_LARGE = {"description": "the body (or a form's number of parts) is over the limit"}
INVALID = {"description": "the request is not valid (``errors`` names each bad input)"}
UNAUTHORIZED = {
    "description": "missing or invalid access token, or its account is gone or inactive",
    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
}


CURSOR_FORMAT = "cursor"
UUID_CURSOR_FORMAT = "uuid-cursor"
"""``?cursor=`` takes only what a page's ``next_cursor`` gave (saaskit.pagination); any
other string is 422. The format says so: a generator of "valid" requests must take
cursors from real pages (or encode one), not invent strings. Files have UUID ids, so
their cursors carry one (``uuid-cursor``); every other list's carry an integer."""


def _mark_cursor(path: str, operation: dict[str, Any]) -> None:
    cursor_format = UUID_CURSOR_FORMAT if path.startswith("/files") else CURSOR_FORMAT
    for parameter in operation.get("parameters", ()):
        if parameter.get("in") == "query" and parameter.get("name") == "cursor":
            schema = parameter.setdefault("schema", {})
            for option in schema.get("anyOf", [schema]):
                if option.get("type") == "string":
                    option["format"] = cursor_format


def complete_document(document: dict[str, Any]) -> dict[str, Any]:
    """Add the shared answers to every operation and make every error problem+json."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(SCHEMAS)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS or not isinstance(operation, dict):
                continue
            _mark_cursor(path, operation)
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", dict(BAD_REQUEST))
            if "requestBody" in operation:
                responses.setdefault("413", dict(TOO_LARGE))
            if "requestBody" in operation or operation.get("parameters"):
                responses.setdefault("422", dict(INVALID))
            if operation.get("security"):
                responses.setdefault("401", dict(UNAUTHORIZED))
            for status, response in responses.items():
                if status[:1] in ("4", "5") and "$ref" not in response:
                    response["content"] = _problem_content(status)
    return document
