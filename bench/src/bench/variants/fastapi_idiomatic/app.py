"""The idiomatic FastAPI variant's application: ``GET /users/{id}`` and
``GET /users/{id}/overview`` written the way FastAPI's and SQLAlchemy's documentation
teach, by a developer who follows them well, neither sabotaged nor hand-tuned.

- One ``AsyncEngine`` from ``create_async_engine`` (asyncpg) with SQLAlchemy's own
  defaults but for the size: ``APP_DATABASE_POOL_SIZE`` connections and no overflow, the
  same count as every other variant. Not the kit's engine: its 2 s pool wait (a quick
  503 in an outage) and the shipped services' FIFO in front of the pool are tuning; with
  them, requests that lost the pool's race answered 503 at saturation. An
  ``AsyncSession`` per request through a dependency (``SessionDep``).
- Routes return ORM objects or pydantic models; FastAPI validates and serialises them
  against ``response_model``.
- The overview: the user (``session.get``), then the newest posts with ``selectinload``
  of their comments: three statements whatever the limits, no N+1. ``selectinload``
  cannot limit per parent, so it loads every comment of those posts (in the
  relationship's order, newest first) and the answer keeps the first ``comments_limit``.
- Answers as the shipped service: the token read by FastAPI's ``HTTPBearer`` and
  verified by the kit's ``Authenticator`` (JWKS from ``APP_JWKS_URL``, issuer and
  audience from the settings), as the shipped services verify it; the kit's error
  handlers (the same 401/404/422 problem+json bodies); the same parameter bounds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import selectinload

from bench.variants.fastapi_idiomatic.models import Post, User
from bench.variants.fastapi_idiomatic.schemas import OverviewOut, UserOut
from saaskit.db.overview import COMMENTS_LIMIT, POSTS_LIMIT
from saaskit.db.urls import asyncpg_url
from saaskit.problems import not_found, unauthorized
from saaskit.security.jwks_client import JWKSCache
from saaskit.security.tokens import AccessTokenVerifier, InvalidToken
from saaskit.settings import Settings, get_settings
from saaskit.web.auth import Authenticator
from saaskit.web.errors import install_error_handlers

BIGINT_MAX = 2**63 - 1  # ids are BIGINT


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
bearer = HTTPBearer(auto_error=False)  # a missing token is our 401 problem, not a 403


async def current_user_id(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> int:
    if credentials is None:
        raise unauthorized()
    try:
        claims = await request.app.state.authenticator.authenticate(credentials.credentials)
    except InvalidToken:
        raise unauthorized() from None
    return claims.user_id


CurrentUserId = Annotated[int, Depends(current_user_id)]
UserId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/{id}", response_model=UserOut)
async def read_user(id: UserId, _caller: CurrentUserId, session: SessionDep) -> User:
    user = await session.get(User, id)
    if user is None:
        raise not_found("user")
    return user


@router.get("/{id}/overview", response_model=OverviewOut)
async def read_overview(
    id: UserId,
    _caller: CurrentUserId,
    session: SessionDep,
    posts_limit: Annotated[int, Query(ge=POSTS_LIMIT[0], le=POSTS_LIMIT[1])] = POSTS_LIMIT[2],
    comments_limit: Annotated[
        int, Query(ge=COMMENTS_LIMIT[0], le=COMMENTS_LIMIT[1])
    ] = COMMENTS_LIMIT[2],
) -> OverviewOut:
    user = await session.get(User, id)
    if user is None:
        raise not_found("user")
    posts = await session.scalars(
        select(Post)
        .where(Post.author_id == id)
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(posts_limit)
        .options(selectinload(Post.comments))
    )
    overview = OverviewOut.model_validate({"user": user, "posts": posts.all()})
    for post in overview.posts:
        del post.comments[comments_limit:]  # loaded newest first: keep the newest
    return overview


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    verifier = AccessTokenVerifier(
        lambda _kid: None, issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    jwks = JWKSCache(settings.jwks_url, settings.jwks_min_refresh_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_async_engine(
            asyncpg_url(settings.database_url),
            pool_size=settings.database_pool_size,
            max_overflow=0,
        )
        app.state.sessionmaker = async_sessionmaker(app.state.engine, expire_on_commit=False)
        app.state.authenticator = Authenticator(verifier, jwks)
        with suppress(httpx.HTTPError):  # the issuer may start later: fetched on first use
            await jwks.refresh()
        try:
            yield
        finally:
            await app.state.engine.dispose()

    app = FastAPI(title="Users (idiomatic FastAPI)", lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(router)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
