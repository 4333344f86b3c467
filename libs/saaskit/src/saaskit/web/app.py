"""The common shape of a FastAPI service: settings, engine, queue, token verification,
problem+json errors, metrics, health, tracing, a graceful lifespan, and an API docs page
that needs no host but the service's own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

from saaskit.db.database import Database
from saaskit.db.engine import create_engine
from saaskit.logging import configure_logging, get_logger
from saaskit.metrics import PoolSampler
from saaskit.openapi import complete_document
from saaskit.queue import create_queue
from saaskit.security.jwks_client import JWKSCache
from saaskit.security.keys import KeySet
from saaskit.security.tokens import AccessTokenVerifier, local_lookup
from saaskit.settings import Settings
from saaskit.web.auth import Authenticator
from saaskit.web.bad_input import BadInputMiddleware
from saaskit.web.errors import install_error_handlers
from saaskit.web.headers import NoSniffMiddleware
from saaskit.web.health import Check, check_database, check_redis, health_router
from saaskit.web.metrics import MetricsMiddleware, metrics_router
from saaskit.web.telemetry import setup_tracing

log = get_logger(__name__)

Hook = Callable[[FastAPI], Awaitable[None]]
DOCS_STATIC_URL = "/docs/static"


def _complete_openapi(app: FastAPI) -> None:
    """The document, built once, with the answers no route declares
    (``saaskit.openapi``): 400/413 of the bad-input guard, 401, problem+json."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = complete_document(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_service_app(
    settings: Settings,
    *,
    service: str,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    keys: KeySet | None = None,
    extra_checks: dict[str, Check] | None = None,
    on_startup: Hook | None = None,
    on_shutdown: Hook | None = None,
    upload_paths: Sequence[str] = (),
) -> FastAPI:
    """Build a service. With ``keys`` the service verifies tokens with its own key set
    (the issuer); without, it fetches and caches the issuer's JWKS. ``upload_paths``
    stream their bodies to their handler (which enforces ``max_upload_bytes``); every
    other body is held to ``max_body_bytes`` and checked before routing."""
    configure_logging(settings.log_level, settings.log_json)
    verifier = AccessTokenVerifier(
        local_lookup(keys) if keys else (lambda _kid: None),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    jwks = None if keys else JWKSCache(settings.jwks_url, settings.jwks_min_refresh_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.engine = create_engine(settings)
        app.state.db = Database(
            app.state.engine, settings.database_pool_size, settings.database_connect_timeout
        )
        app.state.queue = await create_queue(settings.redis_url, settings.queue_name, settings.redis_timeout)
        app.state.authenticator = Authenticator(verifier, jwks)
        pool_sampler = PoolSampler(service, "fastapi", app.state.db.pool_reading).start()
        if jwks is not None:
            try:
                await jwks.refresh()
            except Exception as exc:  # noqa: BLE001 - the issuer may start after us
                log.warning("jwks not fetched yet; will retry on first token", error=str(exc))
        if on_startup:
            await on_startup(app)
        log.info("service started", service=service, environment=settings.environment)
        try:
            yield
        finally:
            pool_sampler.stop()
            if on_shutdown:
                await on_shutdown(app)
            await app.state.queue.aclose()
            await app.state.engine.dispose()
            log.info("service stopped", service=service)

    # /docs loads Swagger UI (script, style, favicon) from the service itself, at the
    # version the lock pins: no CDN, so the page works without egress and runs no script
    # that a third host chose on the day.
    app = FastAPIOffline(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
        static_url=DOCS_STATIC_URL,
    )
    install_error_handlers(app)
    _complete_openapi(app)
    checks: dict[str, Check] = {"database": check_database, "redis": check_redis}
    checks.update(extra_checks or {})
    app.include_router(health_router(checks))
    app.include_router(metrics_router())
    for router in routers:
        app.include_router(router)
    app.add_middleware(
        BadInputMiddleware, max_body_bytes=settings.max_body_bytes, upload_paths=upload_paths
    )
    app.add_middleware(NoSniffMiddleware)
    app.add_middleware(MetricsMiddleware, service=service, framework="fastapi")
    setup_tracing(app, service)
    return app
