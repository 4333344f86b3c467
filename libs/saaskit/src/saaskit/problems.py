"""RFC 9457 problem details, shared by both frameworks so error bodies are identical."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


class ProblemError(Exception):
    """Raise anywhere in a request; the framework glue turns it into problem+json."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
        type_: str = "about:blank",
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title
        self.headers = headers or {}
        self.errors = errors
        self.type = type_

    def body(self) -> dict[str, Any]:
        return problem(self.status, self.detail, title=self.title, type_=self.type, errors=self.errors)


def not_found(what: str = "resource") -> ProblemError:
    return ProblemError(404, f"{what} not found")


def unauthorized(detail: str = "missing or invalid access token") -> ProblemError:
    return ProblemError(401, detail, headers={"WWW-Authenticate": "Bearer"})


def unavailable(dependency: str, retry_after: int = 5) -> ProblemError:
    return ProblemError(
        503,
        f"{dependency} is unavailable, try again shortly",
        headers={"Retry-After": str(retry_after)},
    )


def validation_error(loc: list[str | int], msg: str) -> ProblemError:
    return ProblemError(
        422, "the request is not valid", title="Unprocessable Content",
        errors=[{"loc": loc, "msg": msg}],
    )
