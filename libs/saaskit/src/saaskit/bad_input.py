"""Bad input refused before any handler sees it, by one set of rules both stacks apply.

Invariant: a body or query string that no handler could use (not UTF-8, malformed or
absurdly nested JSON, a NUL character or a lone surrogate in any string, an over-long
query string) is answered 400 or 422 here, never handed to a parser that recurses without bound or to PostgreSQL,
which refuses NUL in text and turns it into a 500. The FastAPI layer
(``saaskit.web.bad_input``) and the Django one (``admin_service.api.bad_input``) both
call these functions, so a given request gets the same status and body from both, and
every route, present or future, is covered without per-route work.

Sizes are checked by the callers before anything here runs (413 over the limit): these
functions only ever see a body that fits in ``Settings.max_body_bytes``.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import parse_qsl, unquote_to_bytes

import orjson

from saaskit.problems import ProblemError

MAX_JSON_DEPTH = 32
"""Far past any document the API accepts (its deepest is 2 levels), far below where
Python's recursive JSON parsers fail (~1000)."""

MAX_QUERY_BYTES = 2048
"""A query string longer than this is 400, the contract's status for malformed input
(not 414: clients and fuzzers treat 400 as "your request is wrong", and the two
implementations must agree): every query the API takes fits in a few hundred bytes,
and gunicorn refuses a request line over 4 KiB itself."""

MAX_FORM_PARTS = 1000
"""Fields (urlencoded) or parts (multipart) in one form: 413 over it. Django's
``DATA_UPLOAD_MAX_NUMBER_FIELDS`` / ``_FILES`` are set to it too."""

NUL_MSG = "must not contain a NUL character"
SURROGATE_MSG = "must not contain an unpaired surrogate"


def bad_request(detail: str) -> ProblemError:
    return ProblemError(400, detail)


def too_large(detail: str = "the request body is too large") -> ProblemError:
    return ProblemError(413, detail)


def too_many_parts() -> ProblemError:
    return ProblemError(413, f"the form has more than {MAX_FORM_PARTS} fields or parts")


def query_too_long() -> ProblemError:
    return bad_request(f"the query string is longer than {MAX_QUERY_BYTES} bytes")


def _string_problem(value: str, loc: list[str | int]) -> ProblemError | None:
    if "\x00" in value:
        msg = NUL_MSG
    else:
        try:
            value.encode("utf-8")
            return None
        except UnicodeEncodeError:
            msg = SURROGATE_MSG
    return ProblemError(
        422, "the request is not valid", title="Unprocessable Content",
        errors=[{"loc": loc, "msg": msg}],
    )


def _walk(document: Any) -> ProblemError | None:
    """Depth and strings of a parsed document, iteratively (no recursion to exhaust)."""
    stack: list[tuple[Any, list[str | int]]] = [(document, ["body"])]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, str):
            if (err := _string_problem(node, loc)) is not None:
                return err
        elif isinstance(node, dict | list):
            if len(loc) > MAX_JSON_DEPTH:
                return bad_request(f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels")
            if isinstance(node, dict):  # parsed JSON: the keys are strings
                for key, value in cast(dict[str, Any], node).items():
                    if (err := _string_problem(key, [*loc, key])) is not None:
                        return err
                    stack.append((value, [*loc, key]))
            else:
                items = cast(list[Any], node)
                stack.extend((value, [*loc, index]) for index, value in enumerate(items))
    return None


def inspect_json(body: bytes) -> ProblemError | None:
    """400 for a body that is not UTF-8 JSON or nests past ``MAX_JSON_DEPTH``; 422 with
    the string's ``loc`` for a NUL or an unpaired surrogate; None when the body is fine.
    An empty body is left to the handler (its own "field required" answer)."""
    if not body.strip():
        return None
    try:
        document = orjson.loads(body)  # strict UTF-8; its own depth cap (1024) is a backstop
    except orjson.JSONDecodeError:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return bad_request("the body is not valid UTF-8")
        return bad_request("the body is not valid JSON")
    # orjson refuses unpaired surrogates (raw or as \ud800 escapes), so what is left
    # to find is a NUL (PostgreSQL's text refuses it) and excessive nesting.
    return _walk(document)


def _inspect_pairs(raw: bytes, where: str) -> ProblemError | None:
    if raw.isascii() and b"%" not in raw:
        return None  # the common case: nothing encoded, so nothing to decode wrongly
    try:
        text = raw.decode("utf-8")
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return bad_request(f"the {'query string' if where == 'query' else 'body'} is not valid UTF-8")
    # Values only: a name no route knows is read by nothing (and a known one has no NUL).
    for name, value in parse_qsl(text, keep_blank_values=True, encoding="utf-8"):
        if (err := _string_problem(value, [where, name])) is not None:
            return err
    return None


def _repeated(raw: bytes) -> ProblemError | None:
    """No parameter of the API takes a list: one given twice is 422, where a framework
    would silently keep the first (Django) or the last (Starlette) value."""
    seen: set[str] = set()
    for name, _ in parse_qsl(raw.decode("utf-8"), keep_blank_values=True):
        if name in seen:
            return ProblemError(
                422, "the request is not valid", title="Unprocessable Content",
                errors=[{"loc": ["query", name], "msg": "must be given once"}],
            )
        seen.add(name)
    return None


def inspect_query(raw: bytes) -> ProblemError | None:
    """400 over ``MAX_QUERY_BYTES`` or when it does not decode as UTF-8; 422 with
    ``["query", name]`` for a NUL or a parameter given twice."""
    if len(raw) > MAX_QUERY_BYTES:
        return query_too_long()
    return _inspect_pairs(raw, "query") or (_repeated(raw) if b"&" in raw else None)


def inspect_form(body: bytes) -> ProblemError | None:
    """An ``application/x-www-form-urlencoded`` body, by the query string's rules."""
    return _inspect_pairs(body, "body")


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(content_type: str | None) -> bool:
    kind = media_type(content_type)
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
