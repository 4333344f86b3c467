"""Every error leaves the Django service as RFC 9457 problem+json, shaped exactly like
the FastAPI services' (``saaskit.problems``): DRF's exceptions, Django's 404/500, and an
unreachable PostgreSQL or Redis (a quick 503 with ``Retry-After``)."""

from __future__ import annotations

import contextlib
from typing import Any

import orjson
import redis.exceptions
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from rest_framework import exceptions
from rest_framework.views import set_rollback

from saaskit.bad_input import too_large, too_many_parts
from saaskit.db.failures import is_connection_failure
from saaskit.files.problems import storage_unavailable
from saaskit.logging import get_logger
from saaskit.problems import PROBLEM_JSON, ProblemError, problem, unauthorized, unavailable
from saaskit.storage import StorageUnavailable

log = get_logger(__name__)

VALIDATION_DETAIL = "the request is not valid"


class RequestInvalid(exceptions.ValidationError):
    """A DRF validation error that knows where the input came from: body, query or path."""

    def __init__(self, detail: Any, location: str) -> None:
        super().__init__(detail)
        self.location = location


def _flatten(detail: Any, loc: list[str | int]) -> list[dict[str, Any]]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            out += _flatten(value, loc if key in ("non_field_errors", "__all__") else [*loc, key])
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"loc": loc, "msg": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item:  # DRF pads list-field errors with {} for the valid items
                out += _flatten(item, [*loc, index])
        return out
    return [{"loc": loc, "msg": str(detail)}]


def validation_problem(detail: Any, location: str) -> ProblemError:
    return ProblemError(
        422, VALIDATION_DETAIL, title="Unprocessable Content", errors=_flatten(detail, [location])
    )


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(orjson.dumps(body), status=body["status"], content_type=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _as_problem(exc: Exception) -> ProblemError | None:
    match exc:
        case ProblemError():
            return exc
        case RequestInvalid():
            return validation_problem(exc.detail, exc.location)
        case exceptions.ValidationError():
            return validation_problem(exc.detail, "body")
        case RequestDataTooBig():
            return too_large()
        case TooManyFieldsSent() | TooManyFilesSent():
            return too_many_parts()
        case exceptions.ParseError():
            # Malformed JSON is 400 (the contract), as the bad-input guard answers it.
            return ProblemError(400, "the body is not valid JSON")
        case exceptions.UnsupportedMediaType():
            # FastAPI answers a body it does not take as JSON with 422, so do we.
            return validation_problem(["the body is not valid JSON"], "body")
        case exceptions.NotAuthenticated() | exceptions.AuthenticationFailed():
            return unauthorized()
        case Http404() | exceptions.NotFound():
            return ProblemError(404, "Not Found")
        case exceptions.MethodNotAllowed():
            return ProblemError(405, "Method Not Allowed")
        case exceptions.APIException():
            detail = exc.detail if isinstance(exc.detail, str) else "request failed"
            return ProblemError(exc.status_code, str(detail))
        case OperationalError() | InterfaceError():
            log.warning("database unavailable", error=type(exc).__name__)
            return unavailable("the database")
        case _ if is_connection_failure(exc):  # a driver error Django did not wrap
            log.warning("database unavailable", error=type(exc).__name__)
            return unavailable("the database")
        case StorageUnavailable():
            log.warning("storage unavailable", error=str(exc))
            return storage_unavailable()
        case redis.exceptions.ConnectionError() | redis.exceptions.TimeoutError():
            log.warning("redis unavailable", error=type(exc).__name__)
            return unavailable("the queue")
    return None


def _discard_body(request) -> None:
    """Read what is left of a refused body, a chunk at a time: gunicorn answers with
    keep-alive but then drops the connection when a view left the body half read, so
    the client's next request on it failed."""
    stream = getattr(request, "_request", request)
    with contextlib.suppress(Exception):  # the client went away: nothing to keep alive
        while stream.read(64 * 1024):
            pass


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse:
    """DRF's ``EXCEPTION_HANDLER``: maps everything, so nothing reaches Django as a 500 trace."""
    set_rollback()
    err = _as_problem(exc)
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        _discard_body(context["request"])
    if err is None:
        log.exception("unhandled error", exc_info=exc)
        err = ProblemError(500, "an unexpected error occurred")
    return problem_response(err.body(), err.headers)


def handler404(request, exception=None) -> HttpResponse:
    return problem_response(problem(404, "Not Found"))


def handler500(request) -> HttpResponse:
    return problem_response(problem(500, "an unexpected error occurred"))
