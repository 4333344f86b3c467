"""The "floor": the same work as the resources service's hot reads, with no framework.

Starlette routing, an asyncpg pool, the token verified exactly as the services do it
(PyJWT, EdDSA, keys from the auth service's JWKS, via ``saaskit.security``), hand-written
SQL, orjson out. No ORM, no validation layer, no middleware. It is the benchmark's
reference column: what Python itself costs on this machine for the same request.

It answers bad input as the resources service does (``tests/bench/test_variants.py``):
the token first (401), then every parameter (one 422 naming each bad one, in FastAPI's
words), then 404. A parameter of plain ASCII digits in range is taken as is; only one
that is not goes to pydantic, the validator FastAPI uses, for the same verdict and
message, so the good request pays for no validator.

    uvicorn bench.floor:create_app --factory --workers 2 --loop uvloop --http httptools

Configured like every service, from ``APP_*`` variables (database URL and pool size,
JWKS URL, issuer, audience).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

import asyncpg
import orjson
from pydantic import Field, TypeAdapter, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from saaskit.db.overview import COMMENTS_LIMIT, POSTS_LIMIT
from saaskit.db.urls import libpq_url
from saaskit.metrics import render_metrics
from saaskit.problems import PROBLEM_JSON, problem
from saaskit.security.jwks_client import JWKSCache
from saaskit.security.tokens import AccessTokenVerifier, InvalidToken
from saaskit.settings import Settings, get_settings
from saaskit.timeutil import rfc3339

BIGINT_MAX = 2**63 - 1
USER_SQL = "SELECT id, username, full_name, created_at FROM users WHERE id = $1"
POSTS_SQL = """
SELECT p.id, p.author_id, p.title, p.body, p.comment_count, p.created_at, p.updated_at,
       c.id AS c_id, c.author_id AS c_author_id, c.body AS c_body, c.created_at AS c_created_at
FROM (SELECT * FROM posts WHERE author_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2) p
LEFT JOIN LATERAL (
    SELECT id, author_id, body, created_at FROM comments WHERE post_id = p.id
    ORDER BY created_at DESC, id DESC LIMIT $3
) c ON true
ORDER BY p.created_at DESC, p.id DESC, c.created_at DESC, c.id DESC
"""


def _json(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _problem(status: int, detail: str, errors: list[dict] | None = None) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    title = "Unprocessable Content" if status == 422 else None  # as saaskit.web.errors
    return Response(orjson.dumps(problem(status, detail, title=title, errors=errors)),
                    status_code=status, media_type=PROBLEM_JSON, headers=headers)


class _Param:
    """An integer parameter with FastAPI's bounds and FastAPI's (pydantic's) verdicts."""

    def __init__(self, where: str, name: str, low: int, high: int, default: int = 0) -> None:
        self.loc, self.low, self.high, self.default = [where, name], low, high, default
        self.adapter = TypeAdapter(Annotated[int, Field(ge=low, le=high)])

    def parse(self, raw: str | None, errors: list[dict]) -> int:
        if raw is None:
            return self.default
        if raw.isascii() and raw.isdigit() and self.low <= (value := int(raw)) <= self.high:
            return value
        try:
            return self.adapter.validate_python(raw)
        except ValidationError as exc:
            errors.extend({"loc": self.loc, "msg": e["msg"]} for e in exc.errors())
            return self.default


USER_ID = _Param("path", "id", 1, BIGINT_MAX)
POSTS = _Param("query", "posts_limit", *POSTS_LIMIT)
COMMENTS = _Param("query", "comments_limit", *COMMENTS_LIMIT)


def _user(row) -> dict:
    return {"id": row["id"], "username": row["username"], "full_name": row["full_name"],
            "created_at": rfc3339(row["created_at"])}


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    verifier = AccessTokenVerifier(lambda _kid: None, settings.jwt_issuer, settings.jwt_audience)
    jwks = JWKSCache(settings.jwks_url, settings.jwks_min_refresh_seconds)
    pool: asyncpg.Pool | None = None

    def started_pool() -> asyncpg.Pool:
        if pool is None:  # the lifespan opens it before the first request
            raise RuntimeError("the database pool is not open")
        return pool

    async def authenticated(request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        try:
            kid = verifier.kid_of(token)
            key = jwks.get(kid) or await jwks.get_or_refresh(kid)
            if key is None:
                return False
            verifier.verify_with_key(token, key)
        except InvalidToken:
            return False
        return True

    async def user(request: Request) -> Response:
        if not await authenticated(request):
            return _problem(401, "missing or invalid access token")
        errors: list[dict] = []
        user_id = USER_ID.parse(request.path_params["id"], errors)
        if errors:
            return _problem(422, "the request is not valid", errors)
        async with started_pool().acquire() as conn:
            row = await conn.fetchrow(USER_SQL, user_id)
        return _json(_user(row)) if row else _problem(404, "user not found")

    async def overview(request: Request) -> Response:
        if not await authenticated(request):
            return _problem(401, "missing or invalid access token")
        errors: list[dict] = []
        query = request.query_params
        user_id = USER_ID.parse(request.path_params["id"], errors)
        posts_limit = POSTS.parse(query.get("posts_limit"), errors)
        comments_limit = COMMENTS.parse(query.get("comments_limit"), errors)
        if errors:
            return _problem(422, "the request is not valid", errors)
        async with started_pool().acquire() as conn:
            row = await conn.fetchrow(USER_SQL, user_id)
            rows = await conn.fetch(POSTS_SQL, user_id, posts_limit, comments_limit) if row else []
        if row is None:
            return _problem(404, "user not found")
        posts: dict[int, dict] = {}
        for r in rows:
            post = posts.get(r["id"])
            if post is None:
                post = posts[r["id"]] = {
                    "id": r["id"], "author_id": r["author_id"], "title": r["title"],
                    "body": r["body"], "comment_count": r["comment_count"],
                    "created_at": rfc3339(r["created_at"]), "updated_at": rfc3339(r["updated_at"]),
                    "comments": [],
                }
            if r["c_id"] is not None:
                post["comments"].append({
                    "id": r["c_id"], "post_id": r["id"], "author_id": r["c_author_id"],
                    "body": r["c_body"], "created_at": rfc3339(r["c_created_at"]),
                })
        return _json({"user": _user(row), "posts": list(posts.values())})

    async def healthz(_: Request) -> Response:
        return _json({"status": "ok"})

    async def metrics(_: Request) -> Response:
        body, content_type = render_metrics()
        return Response(body, media_type=content_type)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        size = settings.database_pool_size
        pool = await asyncpg.create_pool(
            libpq_url(settings.database_url), min_size=size, max_size=size,
            timeout=settings.database_connect_timeout,
        )
        try:
            await jwks.refresh()
        except Exception:  # noqa: BLE001, S110 - the issuer may start later; refetched on demand
            pass
        try:
            yield
        finally:
            await pool.close()

    return Starlette(
        routes=[
            Route("/users/{id}", user),
            Route("/users/{id}/overview", overview),
            Route("/healthz", healthz),
            Route("/metrics", metrics),
        ],
        lifespan=lifespan,
    )
