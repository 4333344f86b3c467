"""Bearer-token authentication for FastAPI routes.

Verification is local: the issuer's keys are in memory (the auth service holds them;
the other services cache the JWKS), so a request costs no database or network round trip.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from saaskit.problems import unauthorized
from saaskit.security.jwks_client import JWKSCache
from saaskit.security.tokens import AccessClaims, AccessTokenVerifier, InvalidToken


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


# auto_error=False: a missing header must be our 401 problem, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="An access token from POST /auth/token")


async def current_claims(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized()
    try:
        return await request.app.state.authenticator.authenticate(credentials.credentials)
    except InvalidToken:
        raise unauthorized() from None


async def current_user_id(claims: Annotated[AccessClaims, Depends(current_claims)]) -> int:
    return claims.user_id


CurrentClaims = Annotated[AccessClaims, Depends(current_claims)]
CurrentUserId = Annotated[int, Depends(current_user_id)]
