"""Process-wide objects built once from the settings: keys, token issuer and verifier,
password hasher and its bounded pool, the Redis client of the job queue, the login limiter."""

from __future__ import annotations

from functools import cache

import redis
from django.conf import settings

from saaskit.ratelimit import LoginLimiter
from saaskit.security.hashing import HashingPool
from saaskit.security.keys import KeySet
from saaskit.security.passwords import PasswordService
from saaskit.security.tokens import AccessTokenIssuer, AccessTokenVerifier, local_lookup
from saaskit.settings import Settings
from saaskit.storage import Storage, build_storage


def app_settings() -> Settings:
    return settings.APP


@cache
def keys() -> KeySet:
    return KeySet.from_dir(app_settings().jwt_keys_dir)


@cache
def token_issuer() -> AccessTokenIssuer:
    s = app_settings()
    return AccessTokenIssuer(keys(), s.jwt_issuer, s.jwt_audience, s.access_token_ttl_seconds)


@cache
def token_verifier() -> AccessTokenVerifier:
    s = app_settings()
    return AccessTokenVerifier(local_lookup(keys()), issuer=s.jwt_issuer, audience=s.jwt_audience)


@cache
def passwords() -> PasswordService:
    return PasswordService.from_settings(app_settings())


@cache
def redis_client() -> redis.Redis:
    s = app_settings()
    return redis.Redis.from_url(
        s.redis_url, socket_connect_timeout=s.redis_timeout, socket_timeout=s.redis_timeout
    )


@cache
def hashing() -> HashingPool:
    """Made on first use, in the worker process (gevent's threadpool belongs to the hub
    of the process that made it, not to gunicorn's master)."""
    return HashingPool.from_settings(app_settings())


@cache
def login_limiter() -> LoginLimiter:
    return LoginLimiter.from_settings(app_settings())


@cache
def storage() -> Storage:
    return build_storage(app_settings())
