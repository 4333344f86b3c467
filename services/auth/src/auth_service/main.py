"""The auth service: ``uvicorn auth_service.main:create_app --factory``."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from auth_service.auth.router import jwks_router, router
from auth_service.auth.service import TokenService
from saaskit.ratelimit import AsyncLoginLimiter
from saaskit.security.account_tokens import AccountTokens
from saaskit.security.hashing import HashingPool
from saaskit.security.keys import KeySet
from saaskit.security.passwords import PasswordService
from saaskit.security.tokens import AccessTokenIssuer
from saaskit.settings import Settings, get_settings
from saaskit.web.app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    keys = KeySet.from_dir(settings.jwt_keys_dir)

    async def startup(app: FastAPI) -> None:
        app.state.keys = keys
        app.state.passwords = PasswordService.from_settings(settings)
        app.state.hashing = HashingPool.from_settings(settings)
        app.state.login_limiter = AsyncLoginLimiter.from_settings(settings)
        app.state.account_tokens = AccountTokens.from_settings(settings)
        app.state.tokens = TokenService(
            issuer=AccessTokenIssuer(
                keys, settings.jwt_issuer, settings.jwt_audience, settings.access_token_ttl_seconds
            ),
            refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
        )

    async def shutdown(app: FastAPI) -> None:
        app.state.hashing.shutdown()

    return create_service_app(
        settings,
        service="auth",
        title="Auth service",
        description="Registration, OAuth2 password login, JWT access tokens (EdDSA) with a "
        "JWKS, rotating refresh tokens with reuse detection, logout; email verification, "
        "password reset and password change.",
        routers=[router, jwks_router],
        keys=keys,
        on_startup=startup,
        on_shutdown=shutdown,
    )
