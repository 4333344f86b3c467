"""Every error leaves a FastAPI service as problem+json, never as a stack trace.

Unreachable dependencies (PostgreSQL, Redis, the object storage) become a quick 503
with ``Retry-After`` naming the dependency, worded as the Django twin words them.

A client that goes away before its body is read (Starlette's ``ClientDisconnect``, an
aborted upload) is an ordinary event, not an error: one info line, and a response nobody
will receive. Unhandled, it was logged as "Exception in ASGI application" with a
traceback, and with the console log format rendering that traceback held the files
service's event loop ~4 s per abort (25 aborts: unresponsive for ~50 s). Whatever the
aborted request had started (a storage write) is undone on the way out, by the code that
started it, as for any other exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import asyncpg
import redis.exceptions
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.routing import BaseRoute

from saaskit.db.failures import is_connection_failure
from saaskit.files.problems import storage_unavailable
from saaskit.logging import get_logger
from saaskit.problems import PROBLEM_JSON, ProblemError, problem, unavailable
from saaskit.storage.base import StorageUnavailable

log = get_logger(__name__)

CLIENT_CLOSED_REQUEST = 499

try:
    import orjson

    def _dumps(body: dict[str, Any]) -> bytes:
        return orjson.dumps(body)
except ImportError:  # pragma: no cover
    import json

    def _dumps(body: dict[str, Any]) -> bytes:
        return json.dumps(body).encode()


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(body), status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


def _loc(loc: Sequence[object]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors reduced to the contract's ``{"loc", "msg"}`` (no input echoed)."""
    return [{"loc": _loc(e.get("loc", ())), "msg": str(e.get("msg", "invalid"))} for e in errors]


_DB_DOWN = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.TooManyConnectionsError,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)
_REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _is_db_down(exc: BaseException) -> bool:
    """The pool, a connect or the connection failed: ``saaskit.db.failures`` knows every
    shape the driver gives an outage (a shutdown's ``AdminShutdownError`` was a 500)."""
    if is_connection_failure(exc):
        return True
    return isinstance(exc, _DB_DOWN) or isinstance(getattr(exc, "orig", None), _DB_DOWN)


async def _unexpected(request: Request, exc: Exception) -> Response:
    if is_connection_failure(exc):  # a driver error of a class not registered below
        log.warning("database unavailable", path=request.url.path, error=type(exc).__name__)
        err = unavailable("the database")
        return problem_response(err.body(), err.headers)
    log.exception("unhandled error", path=request.url.path)
    return problem_response(problem(500, "an unexpected error occurred"))


def _routes(routes: Iterable[BaseRoute]) -> Iterator[Any]:
    """Every route with its full path: FastAPI (0.165+) keeps an included router as one
    entry whose ``effective_route_contexts()`` are its routes under their prefixes."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        yield from (contexts() if contexts is not None else (route,))


def allowed_methods(request: Request) -> str:
    """Every method of every route on the request's path: Starlette's 405 names only
    the first route that matched the path (``PUT /posts`` said ``Allow: GET``)."""
    methods: set[str] = set()
    for route in _routes(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path) and getattr(route, "methods", None):
            methods |= route.methods
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> Response:
        return problem_response(exc.body(), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        body = problem(
            422,
            "the request is not valid",
            title="Unprocessable Content",
            errors=validation_errors(list(exc.errors())),
        )
        return problem_response(body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        raw = cast(object, exc.detail)  # FastAPI's subclass takes any JSON-able detail
        detail = raw if isinstance(raw, str) else "request failed"
        headers: dict[str, str] = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return problem_response(problem(exc.status_code, detail), headers)

    async def _dependency_error(request: Request, exc: Exception) -> Response:
        if _is_db_down(exc):
            log.warning("database unavailable", path=request.url.path, error=type(exc).__name__)
            err = unavailable("the database")
            return problem_response(err.body(), err.headers)
        if isinstance(exc, _REDIS_DOWN):
            log.warning("redis unavailable", path=request.url.path, error=type(exc).__name__)
            err = unavailable("the queue")
            return problem_response(err.body(), err.headers)
        return await _unexpected(request, exc)

    async def _storage_down(request: Request, exc: Exception) -> Response:
        log.warning("storage unavailable", path=request.url.path, error=str(exc))
        err = storage_unavailable()
        return problem_response(err.body(), err.headers)

    app.add_exception_handler(StorageUnavailable, _storage_down)

    async def _client_gone(request: Request, _: Exception) -> Response:
        log.info("client went away before the request was read", method=request.method,
                 path=request.url.path)
        # 499, nginx's "client closed request": never sent, but what metrics record.
        return Response(status_code=CLIENT_CLOSED_REQUEST)

    app.add_exception_handler(ClientDisconnect, _client_gone)

    # Registered per class, so Starlette's ExceptionMiddleware answers them like any
    # handled error. A handler for bare ``Exception`` runs in ServerErrorMiddleware,
    # which re-raises after answering: a logged traceback and a dropped keep-alive
    # connection for what is an expected outage.
    # The asyncpg dialect's own DB-API errors reach a route unwrapped when it checks a
    # connection out by hand (``engine.raw_connection()``, the lean read path).
    for cls in (SQLAlchemyError, asyncpg.PostgresError, asyncpg.InterfaceError,
                asyncpg.exceptions.InternalClientError, AsyncAdapt_asyncpg_dbapi.Error,
                OSError, redis.exceptions.RedisError):
        app.add_exception_handler(cls, _dependency_error)

    app.add_exception_handler(Exception, _unexpected)
