"""Dependencies of the auth routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from auth_service.auth.service import TokenService
from saaskit.ratelimit import AsyncLoginLimiter
from saaskit.security.account_tokens import AccountTokens
from saaskit.security.keys import KeySet
from saaskit.security.passwords import PasswordService


def get_passwords(request: Request) -> PasswordService:
    return request.app.state.passwords


def get_token_service(request: Request) -> TokenService:
    return request.app.state.tokens


def get_keys(request: Request) -> KeySet:
    return request.app.state.keys


def get_account_tokens(request: Request) -> AccountTokens:
    return request.app.state.account_tokens


async def get_limiter(request: Request) -> AsyncLoginLimiter:
    return request.app.state.login_limiter


async def spend_address_budget(request: Request) -> None:
    """Every request to a login-like route spends its client address's budget first.
    The address is the socket's, or the forwarded one from a proxy that uvicorn was
    told to trust (``FORWARDED_ALLOW_IPS``, with proxy headers on)."""
    await request.app.state.login_limiter.spend_address(request.client.host if request.client else "unknown")


PasswordsDep = Annotated[PasswordService, Depends(get_passwords)]
TokensDep = Annotated[TokenService, Depends(get_token_service)]
KeysDep = Annotated[KeySet, Depends(get_keys)]
AccountTokensDep = Annotated[AccountTokens, Depends(get_account_tokens)]
LimiterDep = Annotated[AsyncLoginLimiter, Depends(get_limiter)]
