"""Bearer access tokens, verified locally with the service's own key set (no database
round trip), exactly as the FastAPI services verify them."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework import authentication, exceptions

from admin_service import runtime
from saaskit.security.tokens import InvalidToken


@dataclass(frozen=True)
class TokenUser:
    """The caller, as the token names them; ``request.user.id`` is the API user's id."""

    id: int
    is_authenticated: bool = True


class BearerAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, token = header.partition(" ")
        if not header:
            return None
        if scheme.lower() != "bearer" or not token.strip():
            raise exceptions.AuthenticationFailed("missing or invalid access token")
        try:
            claims = runtime.token_verifier().verify(token.strip())
        except InvalidToken:
            raise exceptions.AuthenticationFailed("missing or invalid access token") from None
        return TokenUser(claims.user_id), claims

    def authenticate_header(self, request) -> str:
        return "Bearer"
