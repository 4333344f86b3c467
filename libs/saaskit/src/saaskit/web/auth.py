"""Bearer-token authentication for FastAPI routes.

Verification is local: the issuer's keys are in memory (the auth service holds them;
the other services cache the JWKS), so a request costs no database or network round trip.
The caller's id is resolved by ONE dependency (an ``HTTPBearer`` subclass, so OpenAPI
still documents the Bearer scheme): FastAPI spends measurable time per dependency level,
and this one runs on every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from saaskit.db.writers import lock_active_user
from saaskit.problems import unauthorized
from saaskit.security.jwks_client import JWKSCache
from saaskit.security.tokens import AccessClaims, AccessTokenVerifier, InvalidToken
from saaskit.web.deps import ConnDep
from saaskit.web.state import service_state


class Authenticator:
    """Verifies access tokens with a local key set or a JWKS cache."""

    def __init__(self, verifier: AccessTokenVerifier, jwks: JWKSCache | None = None) -> None:
        self.verifier = verifier
        self.jwks = jwks

    async def authenticate(self, token: str) -> AccessClaims:
        if self.jwks is None:
            return self.verifier.verify(token)
        kid = self.verifier.kid_of(token)
        key = self.jwks.get(kid) or await self.jwks.get_or_refresh(kid)
        if key is None:
            raise InvalidToken(f"unknown kid {kid!r}")
        return self.verifier.verify_with_key(token, key)


class BearerUserId(HTTPBearer):
    """The caller's user id; any missing, malformed or refused token is our 401 problem
    (never FastAPI's default 403)."""

    async def __call__(self, request: Request) -> int:  # type: ignore[override]
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise unauthorized()
        try:
            claims = await service_state(request).authenticator.authenticate(token)
        except InvalidToken:
            raise unauthorized() from None
        return claims.user_id


_bearer = BearerUserId(scheme_name="HTTPBearer", description="An access token from POST /auth/token")
CurrentUserId = Annotated[int, Depends(_bearer)]


async def _active_writer(user_id: CurrentUserId, conn: ConnDep) -> int:
    # ConnDep is cached per request: the route writes on this same connection, so the
    # lock taken here is in the write's own transaction (saaskit.db.writers).
    await lock_active_user(conn, user_id)
    return user_id


WriterId = Annotated[int, Depends(_active_writer)]
"""The caller of a route that writes on the request's connection: 401 when the token's
user is gone or inactive, and the user row locked until the write commits."""
