"""Response shapes of the contract: keys and value types, checked on both stacks.
(``assert_problem`` is the one of ``tests.support.problems``, named here too for the
contract tests that import it with the other shapes.)"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support.problems import assert_problem

NoneType = type(None)
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


class Timestamp:
    """A str in the one timestamp format both stacks use."""


ME = {
    "id": int,
    "email": str,
    "username": str,
    "full_name": (str, NoneType),
    "is_active": bool,
    "email_verified": bool,
    "created_at": Timestamp,
}
USER_PUBLIC = {"id": int, "username": str, "full_name": (str, NoneType), "created_at": Timestamp}
TOKEN_PAIR = {"access_token": str, "refresh_token": str, "token_type": str, "expires_in": int}
POST = {
    "id": int,
    "author_id": int,
    "title": str,
    "body": str,
    "comment_count": int,
    "created_at": Timestamp,
    "updated_at": Timestamp,
}
COMMENT = {"id": int, "post_id": int, "author_id": int, "body": str, "created_at": Timestamp}
FILE = {
    "id": str,
    "filename": str,
    "content_type": str,
    "size": int,
    "sha256": (str, NoneType),
    "status": str,
    "created_at": Timestamp,
}
JOB = {
    "id": int,
    "type": str,
    "status": str,
    "created_at": Timestamp,
    "finished_at": (Timestamp, NoneType),
    "result": (dict, NoneType),
    "error": (str, NoneType),
}


def _matches(value: Any, expected: Any) -> bool:
    options = expected if isinstance(expected, tuple) else (expected,)
    for option in options:
        if option is Timestamp and isinstance(value, str) and RFC3339.match(value):
            return True
        if option is int and isinstance(value, bool):
            continue
        if option is not Timestamp and isinstance(value, option):
            return True
    return False


def assert_shape(body: Any, spec: dict[str, Any]) -> None:
    assert isinstance(body, dict), body
    assert set(body) == set(spec), f"keys differ: {sorted(body)} != {sorted(spec)}"
    wrong = {k: body[k] for k in spec if not _matches(body[k], spec[k])}
    assert not wrong, f"values of the wrong type: {wrong}"


def assert_page(body: Any, item_spec: dict[str, Any]) -> list[dict]:
    assert set(body) == {"items", "next_cursor"}, body
    assert isinstance(body["next_cursor"], (str, NoneType))
    for item in body["items"]:
        assert_shape(item, item_spec)
    return body["items"]


def assert_invalid(response: httpx.Response, *locs: list) -> dict:
    """A 422 whose errors name exactly these locations (``["body", "title"]``...)."""
    body = assert_problem(response, 422)
    for error in body["errors"]:
        assert set(error) == {"loc", "msg"} and isinstance(error["msg"], str), error
    assert sorted(e["loc"] for e in body["errors"]) == sorted(locs), body["errors"]
    return body
