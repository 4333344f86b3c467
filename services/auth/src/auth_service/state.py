"""What the auth service builds once at start-up and its requests read: one typed
``AuthState`` on ``app.state.auth``, as the other services keep their ``ServiceState``.

Why one object and not five ``app.state`` attributes: a dependency then names what it
reads and pyright checks it, and the shutdown closes what the start-up opened (the
hashing threads and the limiter's Redis connections) in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from starlette.requests import HTTPConnection

from auth_service.auth.service import TokenService
from saaskit.ratelimit import AsyncLoginLimiter
from saaskit.security.account_tokens import AccountTokens
from saaskit.security.hashing import HashingPool
from saaskit.security.keys import KeySet
from saaskit.security.passwords import PasswordService
from saaskit.security.tokens import AccessTokenIssuer
from saaskit.settings import Settings


@dataclass(frozen=True, slots=True)
class AuthState:
    keys: KeySet
    passwords: PasswordService
    hashing: HashingPool
    login_limiter: AsyncLoginLimiter
    account_tokens: AccountTokens
    tokens: TokenService

    @classmethod
    def from_settings(cls, settings: Settings, keys: KeySet) -> AuthState:
        return cls(
            keys=keys,
            passwords=PasswordService.from_settings(settings),
            hashing=HashingPool.from_settings(settings),
            login_limiter=AsyncLoginLimiter.from_settings(settings),
            account_tokens=AccountTokens.from_settings(settings),
            tokens=TokenService(
                issuer=AccessTokenIssuer(
                    keys, settings.jwt_issuer, settings.jwt_audience, settings.access_token_ttl_seconds
                ),
                refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
            ),
        )

    async def aclose(self) -> None:
        self.hashing.shutdown()
        await self.login_limiter.aclose()


def auth_state(connection: HTTPConnection) -> AuthState:
    state: AuthState = connection.app.state.auth
    return state
