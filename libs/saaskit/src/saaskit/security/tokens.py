"""Access tokens (JWT, PyJWT, EdDSA pinned), opaque refresh tokens, and the pair of them
that login and refresh answer.

Verification pins the algorithm, requires ``exp``/``iat``/``iss``/``aud``/``sub``/``jti``
and takes the key from the token's ``kid`` only; a token with ``alg: none``, HS256
(the "public key as HMAC secret" trick), an unknown ``kid``, a wrong audience or issuer
is refused.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypedDict

import jwt
from jwt.algorithms import AllowedPublicKeys
from jwt.types import Options

from saaskit.security.keys import ALGORITHM, KeySet

# A key that verifies a signature: a ``cryptography`` public key object.
PublicKey = AllowedPublicKeys

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]


class InvalidToken(Exception):
    """Any reason an access token is refused; the message is for logs, not clients."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    jti: str
    expires_at: int


class AccessTokenIssuer:
    def __init__(self, keys: KeySet, issuer: str, audience: str, ttl_seconds: int) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds

    def issue(self, user_id: int) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        key = self.keys.current
        return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


# Resolves a ``kid`` to a public key object, or None when unknown.
KeyLookup = Callable[[str], PublicKey | None]


class AccessTokenVerifier:
    def __init__(self, lookup: KeyLookup, issuer: str, audience: str, leeway: int = 0) -> None:
        self._lookup = lookup
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self._options: Options = {"require": REQUIRED_CLAIMS}

    def kid_of(self, token: str) -> str:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"malformed token: {exc}") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token has no kid")
        return kid

    def verify_with_key(self, token: str, key: PublicKey) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options=self._options,
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        sub = claims["sub"]
        if not isinstance(sub, str) or not sub.isdigit():
            raise InvalidToken("sub is not a user id")
        return AccessClaims(user_id=int(sub), jti=str(claims["jti"]), expires_at=int(claims["exp"]))

    def verify(self, token: str) -> AccessClaims:
        kid = self.kid_of(token)
        key = self._lookup(kid)
        if key is None:
            raise InvalidToken(f"unknown kid {kid!r}")
        return self.verify_with_key(token, key)


def local_lookup(keys: KeySet) -> KeyLookup:
    """Key lookup for a service that holds the key set itself."""

    def lookup(kid: str) -> PublicKey | None:
        key = keys.by_kid.get(kid)
        return key.public_key if key else None

    return lookup


class TokenPairBody(TypedDict):
    """The contract's ``TokenPair``: the body of a login and of a refresh, on both stacks."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_in: int


def token_pair(issuer: AccessTokenIssuer, user_id: int, refresh_token: str) -> TokenPairBody:
    """A new access token for ``user_id`` with the refresh token that goes with it."""
    return {
        "access_token": issuer.issue(user_id),
        "refresh_token": refresh_token,
        "token_type": "bearer",
        "expires_in": issuer.ttl_seconds,
    }


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
