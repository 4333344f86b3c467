"""Dependencies of the auth routes.

Every one is ``async def``: FastAPI runs a plain ``def`` dependency (and a class used as
one, such as ``OAuth2PasswordRequestForm``) in its thread pool, a thread hop per request
for what is an attribute read. The CPU-heavy work, argon2 hashing and verifying, is
deliberately kept off the event loop elsewhere: ``service`` and ``lifecycle`` hand it to
the bounded pool of ``saaskit.security.hashing`` (``HashingDep``), holding no database
connection, where it does not stall other requests.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.security import OAuth2PasswordRequestForm

from auth_service.auth.service import TokenService
from auth_service.state import auth_state
from saaskit.ratelimit import AsyncLoginLimiter
from saaskit.security.account_tokens import AccountTokens
from saaskit.security.hashing import HashingPool
from saaskit.security.keys import KeySet
from saaskit.security.passwords import PasswordService


async def get_passwords(request: Request) -> PasswordService:
    return auth_state(request).passwords


async def get_token_service(request: Request) -> TokenService:
    return auth_state(request).tokens


async def get_keys(request: Request) -> KeySet:
    return auth_state(request).keys


async def get_account_tokens(request: Request) -> AccountTokens:
    return auth_state(request).account_tokens


async def get_hashing(request: Request) -> HashingPool:
    return auth_state(request).hashing


async def get_limiter(request: Request) -> AsyncLoginLimiter:
    return auth_state(request).login_limiter


async def spend_address_budget(request: Request) -> None:
    """Every request to a login-like route spends its client address's budget first.
    The address is the socket's, or the forwarded one from a proxy that uvicorn was
    told to trust (``FORWARDED_ALLOW_IPS``, with proxy headers on)."""
    await auth_state(request).login_limiter.spend_address(request.client.host if request.client else "unknown")


async def password_form(
    username: Annotated[str, Form()],
    password: Annotated[str, Form(json_schema_extra={"format": "password"})],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
    scope: Annotated[str, Form()] = "",
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
) -> OAuth2PasswordRequestForm:
    """The OAuth2 password flow's form, declared field for field as FastAPI's
    ``OAuth2PasswordRequestForm`` (same document), read without its thread hop."""
    return OAuth2PasswordRequestForm(
        grant_type=grant_type, username=username, password=password, scope=scope,
        client_id=client_id, client_secret=client_secret,
    )


PasswordsDep = Annotated[PasswordService, Depends(get_passwords)]
TokensDep = Annotated[TokenService, Depends(get_token_service)]
KeysDep = Annotated[KeySet, Depends(get_keys)]
AccountTokensDep = Annotated[AccountTokens, Depends(get_account_tokens)]
HashingDep = Annotated[HashingPool, Depends(get_hashing)]
LimiterDep = Annotated[AsyncLoginLimiter, Depends(get_limiter)]
PasswordFormDep = Annotated[OAuth2PasswordRequestForm, Depends(password_form)]
