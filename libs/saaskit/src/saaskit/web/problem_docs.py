"""The problem+json answers of FastAPI routes, documented once for every service.

Invariant: every FastAPI service documents a given error status with the same words
and headers (401 with ``WWW-Authenticate``, 429 with the rate-limit headers, 503 with
``Retry-After``); the body's schema and media type are filled in for every error by
``saaskit.openapi.complete_document``, the same function the Django document goes
through. Routes and routers spread these into ``responses=``.
"""

from __future__ import annotations

from typing import Any

from saaskit.problems import PROBLEM_JSON

Responses = dict[int | str, dict[str, Any]]

PROBLEM: dict[str, Any] = {"content": {PROBLEM_JSON: {}}}


def _header(description: str) -> dict[str, Any]:
    return {"schema": {"type": "string"}, "description": description}


def problem(status: int, description: str, **headers: str) -> Responses:
    """One documented problem answer, with the headers it carries (name: description)."""
    answer: dict[str, Any] = {"description": description, **PROBLEM}
    if headers:
        answer["headers"] = {name.replace("_", "-"): _header(text) for name, text in headers.items()}
    return {status: answer}


UNAUTHORIZED = problem(401, "missing or invalid access token", WWW_Authenticate="Bearer")
NOT_FOUND = problem(404, "not found (or somebody else's)")
INVALID = problem(422, "invalid input")
THROTTLED = problem(
    429,
    "too many attempts from this address (or, at login, for this account)",
    Retry_After="seconds until the window ends",
    RateLimit_Policy="the quota that ran out",
    RateLimit="what is left of it",
)
UNAVAILABLE = problem(
    503, "a dependency is unavailable; retry after `Retry-After`", Retry_After="seconds"
)

COMMON: Responses = {**UNAUTHORIZED, **INVALID, **UNAVAILABLE}
"""What any authenticated route that reads input and touches a dependency may answer."""
COMMON_WITH_ID: Responses = {**COMMON, **NOT_FOUND}
"""The same, for a route with an id in its path."""
