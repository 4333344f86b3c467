"""The common shape of a FastAPI service: settings, engine, queue, token verification,
object storage when the service keeps files, problem+json errors (dependency outages
included), metrics, health, tracing, a graceful lifespan, and an API docs page that
needs no host but the service's own. What it holds while it runs is one typed
``ServiceState`` on ``app.state.service`` (``saaskit.web.state``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
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
from saaskit.storage.aio import AsyncStorage
from saaskit.storage.base import Storage, StorageUnavailable
from saaskit.web.auth import Authenticator
from saaskit.web.bad_input import BadInputMiddleware
from saaskit.web.errors import install_error_handlers
from saaskit.web.headers import NoSniffMiddleware
from saaskit.web.health import Check, check_database, check_redis, check_storage, health_router
from saaskit.web.metrics import MetricsMiddleware, metrics_router
from saaskit.web.state import ServiceState
from saaskit.web.telemetry import setup_tracing

log = get_logger(__name__)

Hook = Callable[[FastAPI], Awaitable[None]]
DOCS_STATIC_URL = "/docs/static"


def _complete_openapi(app: FastAPI, served_types: Sequence[str]) -> None:
    """The document, built once, with the answers no route declares
    (``saaskit.openapi``): 400/413 of the bad-input guard, 401, problem+json."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_document(build(), served_types)
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
    storage: Storage | None = None,
) -> FastAPI:
    """Build a service. With ``keys`` the service verifies tokens with its own key set
    (the issuer); without, it fetches and caches the issuer's JWKS. ``upload_paths``
    stream their bodies to their handler (which enforces ``max_upload_bytes``); every
    other body is held to ``max_body_bytes`` and checked before routing. With
    ``storage`` the service keeps files: the backend is prepared at start-up (a missing
    bucket created; an outage only logged, readiness reports it), ``/readyz`` checks it,
    and ``StorageDep`` hands it to routes."""
    configure_logging(settings.log_level, settings.log_json)
    verifier = AccessTokenVerifier(
        local_lookup(keys) if keys else (lambda _kid: None),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    jwks = None if keys else JWKSCache(settings.jwks_url, settings.jwks_min_refresh_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncGenerator[None]:
        engine = create_engine(settings)
        state = ServiceState(
            settings=settings,
            engine=engine,
            db=Database(engine, settings.database_pool_size, settings.database_connect_timeout),
            queue=await create_queue(settings.redis_url, settings.queue_name, settings.redis_timeout),
            authenticator=Authenticator(verifier, jwks),
            object_storage=None if storage is None else AsyncStorage(storage),
        )
        app.state.service = state
        pool_sampler = PoolSampler(service, "fastapi", state.db.pool_reading).start()
        if storage is not None:
            try:
                await to_thread.run_sync(storage.prepare)
            except StorageUnavailable as exc:  # readiness reports it until it is back
                log.warning("storage not prepared", error=str(exc))
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
            await state.queue.aclose()
            await engine.dispose()
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
    _complete_openapi(app, settings.allowed_content_types)
    checks: dict[str, Check] = {"database": check_database, "redis": check_redis}
    if storage is not None:
        checks["storage"] = check_storage
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
