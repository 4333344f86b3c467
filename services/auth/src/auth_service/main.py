"""The auth service: ``uvicorn auth_service.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from auth_service.auth.router import jwks_router, router
from auth_service.state import AuthState
from saaskit.security.keys import KeySet
from saaskit.settings import Settings, get_settings
from saaskit.web.app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    keys = KeySet.from_dir(settings.jwt_keys_dir)

    async def startup(app: FastAPI) -> None:
        app.state.auth = AuthState.from_settings(settings, keys)

    async def shutdown(app: FastAPI) -> None:
        state: AuthState = app.state.auth
        await state.aclose()

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
