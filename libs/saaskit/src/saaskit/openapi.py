"""The answers every operation shares, written into both stacks' OpenAPI documents.

Invariant: a document says exactly what its service answers, so a client (or
schemathesis) never meets an undocumented status or media type. Some answers come from
layers no route declares: the bad-input guard (400 for a malformed query or body, 413
for a body over the limit, on every operation), token verification (401 with
``WWW-Authenticate: Bearer`` wherever a token is asked for), and every error being
``application/problem+json`` (the frameworks document their own errors as
``application/json``). One function adds them to a finished document, the FastAPI
app factory's and drf-spectacular's alike, so the two stacks' documents agree.

``GET /files/{id}/download`` serves each file as its stored type (one of the
allow-list): the document names every one of them for the 200, with the schema of what
is served (a posts export, ``application/json``, is the ``PostsExport`` object; text is
a string; the rest binary), and keeps ``*/*`` only for a type an earlier allow-list let
in. It said ``*/*`` as ``string/binary`` alone, which a JSON export does not match
(schemathesis' stateful phase, issue 26.11).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from saaskit.accounts.limits import PASSWORD_MAX, PASSWORD_MIN
from saaskit.accounts.validation import EMAIL_PATTERN, PASSWORD_PATTERN
from saaskit.content.search import SEARCH_PATTERN

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

DOWNLOAD_PATH = "/files/{id}/download"
_STAMP = {"type": "string", "format": "date-time"}
_ID = {"type": "integer", "minimum": 1}
# What the worker's export_posts job writes (worker/tasks/export_posts.py).
POSTS_EXPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "the owner's posts, newest first, each with its comments, newest first",
    "required": ["user_id", "exported_at", "posts"],
    "properties": {
        "user_id": _ID,
        "exported_at": _STAMP,
        "posts": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "title", "body", "created_at", "updated_at", "comments"],
            "properties": {
                "id": _ID, "title": {"type": "string"}, "body": {"type": "string"},
                "created_at": _STAMP, "updated_at": _STAMP,
                "comments": {"type": "array", "items": {
                    "type": "object",
                    "required": ["id", "author_id", "body", "created_at"],
                    "properties": {"id": _ID, "author_id": _ID, "body": {"type": "string"},
                                   "created_at": _STAMP},
                }},
            },
        }},
    },
}
_BINARY = {"type": "string", "format": "binary"}


def download_content(served_types: Sequence[str]) -> dict[str, Any]:
    """The 200 ``content`` of the download route: each type it serves, with its schema."""
    content: dict[str, Any] = {}
    for media_type in served_types:
        if media_type == "application/json":
            # A posts export, or a JSON file as it was uploaded (any JSON value).
            schema: dict[str, Any] = {"anyOf": [{"$ref": "#/components/schemas/PostsExport"}, {}]}
        elif media_type.startswith("text/"):
            schema = {"type": "string"}
        else:
            schema = dict(_BINARY)
        content[media_type] = {"schema": schema}
    content["*/*"] = {"schema": dict(_BINARY)}
    return content


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


def _query_strings(operation: dict[str, Any], name: str) -> Iterator[dict[str, Any]]:
    """The string schemas of query parameter ``name`` (each option of an ``anyOf``)."""
    for parameter in operation.get("parameters", ()):
        if parameter.get("in") == "query" and parameter.get("name") == name:
            schema = parameter.setdefault("schema", {})
            yield from (o for o in schema.get("anyOf", [schema]) if o.get("type") == "string")


def _mark_cursor(path: str, operation: dict[str, Any]) -> None:
    cursor_format = UUID_CURSOR_FORMAT if path.startswith("/files") else CURSOR_FORMAT
    for option in _query_strings(operation, "cursor"):
        option["format"] = cursor_format


def _mark_search(path: str, method: str, operation: dict[str, Any]) -> None:
    """``GET /posts?q=``: blank, or at least three characters once trimmed (the rest is
    422, saaskit.content.search); the document says so, on both stacks."""
    if (path, method) == ("/posts", "get"):
        for option in _query_strings(operation, "q"):
            option["pattern"] = SEARCH_PATTERN


NO_NUL = "^[^\\u0000]*$"
"""Strings refuse NUL (saaskit.bad_input: 422): the document says so."""
PASSWORD_FIELDS = frozenset({"password", "new_password"})
TOO_LONG_URI = {"description": "the request line is over the server's limit (4 KiB)"}


def _strings(schema: Any, name: str | None = None) -> None:
    """Every string schema under ``schema``: NUL refused (emails: special-use domains)."""
    if isinstance(schema, list):
        for item in cast(list[Any], schema):
            _strings(item, name)
        return
    if not isinstance(schema, dict):
        return
    schema = cast(dict[str, Any], schema)
    if schema.get("type") == "string" and schema.get("format") == "email":
        schema.setdefault("pattern", EMAIL_PATTERN)
    if schema.get("type") == "string" and schema.get("format") in (None, "password") and "enum" not in schema:
        schema.setdefault("pattern", NO_NUL)
    for key in ("anyOf", "oneOf", "allOf", "items"):
        if key in schema:
            _strings(schema[key], name)
    for prop, sub in _object(schema.get("properties")).items():
        _strings(sub, prop)


def _object(value: Any) -> dict[str, Any]:
    """A JSON object of the document, or an empty one where there is none."""
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return schemas.get(ref.rsplit("/", 1)[1], {})
    return schema


def _password_rules(schema: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A new password in a JSON body (register, reset, change; not the login form's):
    the rules ``saaskit.accounts.validation.password_weakness`` applies, as a schema."""
    for name, field in _resolve(schema, schemas).get("properties", {}).items():
        if name in PASSWORD_FIELDS and field.get("type") == "string":
            field.update(
                minLength=PASSWORD_MIN, maxLength=PASSWORD_MAX,
                pattern=PASSWORD_PATTERN + "[^\\u0000]*$",
            )


FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _form_fields(schema: dict[str, Any], schemas: dict[str, Any], media_type: str) -> None:
    """A form cannot carry a null (``null`` arrives as the text "null"), and both
    frameworks read an empty value as an absent one: no field of a form is nullable,
    and a required text field needs a character. Extra urlencoded fields are NUL-free text."""
    schema = _resolve(schema, schemas)
    if media_type == "application/x-www-form-urlencoded" and schema.get("additionalProperties", True) is not False:
        # A field no route reads is still text the guard checks (saaskit.bad_input); a
        # multipart body's extra parts are not read at all.
        schema["additionalProperties"] = {"type": "string", "pattern": NO_NUL}
    required = set(schema.get("required", ()))
    for name, field in schema.get("properties", {}).items():
        field.pop("nullable", None)
        options = field.get("anyOf")
        if options:
            kept = [option for option in options if option.get("type") != "null"]
            if len(kept) == 1:
                field.pop("anyOf")
                field.update(kept[0])
            else:
                field["anyOf"] = kept
        if name in required and field.get("type") == "string" and field.get("format") != "binary":
            field["minLength"] = max(field.get("minLength", 0), 1)


def complete_document(
    document: dict[str, Any], served_types: Sequence[str] = ()
) -> dict[str, Any]:
    """Add the shared answers to every operation and make every error problem+json;
    ``served_types`` (the upload allow-list) are what the download route serves."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for component in schemas.values():
        _strings(component)
    schemas.update(SCHEMAS)
    download = _object(_object(_object(document.get("paths")).get(DOWNLOAD_PATH)).get("get"))
    ok = _object(_object(download.get("responses")).get("200"))
    if served_types and ok:
        schemas["PostsExport"] = POSTS_EXPORT_SCHEMA
        ok["content"] = download_content(served_types)
    for path, item in _object(document.get("paths")).items():
        for method, entry in _object(item).items():
            if method not in METHODS or not isinstance(entry, dict):
                continue
            operation = _object(entry)
            _mark_cursor(path, operation)
            _mark_search(path, method, operation)
            for parameter in operation.get("parameters", ()):
                _strings(_object(parameter).get("schema"))
            body = _object(_object(operation.get("requestBody")).get("content"))
            for media_type, content in body.items():
                media = _object(content)
                _strings(media.get("schema"))
                if media_type in FORMS and isinstance(media.get("schema"), dict):
                    _form_fields(media["schema"], schemas, media_type)
                elif media_type == "application/json" and isinstance(media.get("schema"), dict):
                    _password_rules(media["schema"], schemas)
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", dict(BAD_REQUEST))
            responses.setdefault("414", dict(TOO_LONG_URI))
            if "requestBody" in operation:
                responses.setdefault("413", dict(TOO_LARGE))
            if "requestBody" in operation or operation.get("parameters"):
                responses.setdefault("422", dict(INVALID))
            if operation.get("security"):
                responses.setdefault("401", dict(UNAUTHORIZED))
            for status, response in _object(responses).items():
                if status[:1] in ("4", "5") and "$ref" not in response:
                    _object(response)["content"] = _problem_content(status)
    return document
