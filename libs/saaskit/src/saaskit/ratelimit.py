"""Login throttling, kept in Redis so every replica of both stacks spends one budget.

Two fixed windows (the ``limits`` library's atomic Lua INCR+EXPIRE; a window starts at
its first hit and its key expires with it):

- per client address: every request to a login-like endpoint counts (``/auth/token``,
  ``/auth/register``, ``/auth/refresh``, the admin's login). Checked first, so one
  address cannot spend every account's budget: it runs out of its own long before.
- per account: failed logins count. Once spent, the account is refused, even with the
  right password, until its window ends; the answer does not say whether the password
  was right, so throttling leaks nothing. The key is the account (``login_key``: its id,
  whichever of its names was typed), and a wrong current password on a password change
  spends the same budget: it is a guess at the same password.
- per account, for the routes that send mail (``/auth/verify-email/request``,
  ``/auth/password-reset/request``): every request counts (``spend_account``), under
  the same quota with keys of their own realm, so nobody can mail-bomb an address.

Keys depend only on the kind, the identifier and the limit, never on the framework,
so a budget spent on the FastAPI auth service is spent on the Django twin too (both
stacks must run with the same limits, which the one ``Settings`` class guarantees).

Redis down fails open: the request goes on unthrottled and a warning is logged. Login
needs only PostgreSQL; turning a Redis outage into a login outage would hand an
attacker who can disturb Redis a denial of service, while argon2 still bounds how fast
passwords can be guessed. Failing open must also be quick: a login waits at most about
one ``redis_timeout`` (the job queue's too) on Redis. Every call has that timeout (its
sockets, and on asyncio the call as a whole), and after a failure the limiter does not
ask Redis again for ``OUTAGE_PAUSE_SECONDS``, so a login's later calls (it makes up to
three) and the requests after it do not each wait their own timeout. A Redis frozen
(SIGSTOP: it accepts connections and answers nothing) held logins 7 s (FastAPI) and
3.1 s (Django) before this.

Over the limit: 429 problem+json with ``Retry-After`` and the IETF httpapi
ratelimit-headers ``RateLimit-Policy: "address";q=300;w=60`` and
``RateLimit: "address";r=0;t=42``.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from ipaddress import ip_address, ip_network
from typing import Any, Literal

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import RedisStorage as AsyncRedisStorage
from limits.aio.strategies import FixedWindowRateLimiter as AsyncFixedWindow
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter
from redis.asyncio import ConnectionPool as AsyncConnectionPool

from saaskit.logging import get_logger
from saaskit.problems import ProblemError
from saaskit.settings import Settings

log = get_logger(__name__)

Kind = Literal["address", "account"]
NAMESPACE = "login"
_DETAIL = {
    "address": "too many attempts from this address, try again later",
    "account": "too many failed logins for this account, try again later",
}
MAIL_DETAIL = "too many emails requested for this account, try again later"


@dataclass(frozen=True)
class Quota:
    kind: Kind
    limit: int
    window_seconds: int

    @property
    def item(self) -> RateLimitItem:
        return RateLimitItemPerSecond(self.limit, self.window_seconds, namespace=NAMESPACE)

    def exceeded(self, reset_at: float, now: float | None = None, detail: str | None = None) -> ProblemError:
        """The 429 for this quota, its window ending at ``reset_at`` (epoch seconds)."""
        retry = max(1, math.ceil(reset_at - (time.time() if now is None else now)))
        return ProblemError(
            429,
            detail or _DETAIL[self.kind],
            headers={
                "Retry-After": str(retry),
                "RateLimit-Policy": f'"{self.kind}";q={self.limit};w={self.window_seconds}',
                "RateLimit": f'"{self.kind}";r=0;t={retry}',
            },
        )


@dataclass(frozen=True)
class LoginQuotas:
    address: Quota
    account: Quota

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginQuotas:
        return cls(
            Quota("address", settings.login_rate_address_limit, settings.login_rate_address_window_seconds),
            Quota("account", settings.login_rate_account_limit, settings.login_rate_account_window_seconds),
        )


def account_key(realm: str, login: str) -> str:
    """One budget per login name as typed, case-folded. ``realm`` keeps the API's users
    and the admin's staff apart (two account tables), while the address budget is one."""
    return f"{realm}:{login.strip().casefold()}"


def login_key(realm: str, account_id: int | None, login: str) -> str:
    """The failure budget a login attempt spends: the account's, however it was named
    (username or email, in any case), so the two names are not two budgets and a
    throttled account stays throttled under its other name. A name with no account is
    keyed by itself, normalized as ``account_key`` does: it is throttled just the same,
    so the answers do not tell registered names from others. ``#`` is in no normalized
    login's key (``realm:`` prefix), so the two kinds of key never meet."""
    if account_id is None:
        return account_key(realm, login)
    return f"{realm}#{account_id}"


def client_address(peer: str, forwarded_for: str | None, trusted_proxies: tuple[str, ...]) -> str:
    """The client's address: the socket's, unless the socket is a trusted proxy; then
    the right-most ``X-Forwarded-For`` entry that is not itself a trusted proxy (the
    left part of the header is whatever the client wrote)."""
    anyone = "*" in trusted_proxies  # as uvicorn's FORWARDED_ALLOW_IPS="*"
    networks = [ip_network(p, strict=False) for p in trusted_proxies if p != "*"]

    def trusted(address: str) -> bool:
        try:
            parsed = ip_address(address)
        except ValueError:
            return False
        return anyone or any(parsed in network for network in networks)

    if not forwarded_for or not trusted(peer):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not trusted(hop):
            return hop
    return hops[0] if hops else peer


# After a Redis failure the limiter does not ask Redis again for this long: a login makes
# up to three limiter calls, each of which would otherwise wait its own timeout.
OUTAGE_PAUSE_SECONDS = 5.0


class _Outage:
    """Whether Redis failed within the last ``OUTAGE_PAUSE_SECONDS``; read and set
    without a lock (a float: a race only makes one more request try Redis)."""

    def __init__(self) -> None:
        self._until = 0.0

    def skipping(self) -> bool:
        return time.monotonic() < self._until

    def failed(self, kind: str, exc: BaseException) -> None:
        error = exc.storage_error if isinstance(exc, StorageError) else exc
        if not self.skipping():
            log.warning("rate limiter unavailable, not throttling", quota=kind, error=type(error).__name__,
                        pause_seconds=OUTAGE_PAUSE_SECONDS)
        self._until = time.monotonic() + OUTAGE_PAUSE_SECONDS


def _redis_options(settings: Settings) -> dict[str, Any]:
    return {"socket_timeout": settings.redis_timeout, "socket_connect_timeout": settings.redis_timeout,
            "retry_on_timeout": False}


class LoginLimiter:
    """The synchronous limiter (Django)."""

    def __init__(self, quotas: LoginQuotas, storage: RedisStorage) -> None:
        self.quotas = quotas
        self._limiter = FixedWindowRateLimiter(storage)
        self._outage = _Outage()

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimiter:
        storage = RedisStorage(settings.redis_url, wrap_exceptions=True, **_redis_options(settings))
        return cls(LoginQuotas.from_settings(settings), storage)

    def _hit(self, quota: Quota, key: str, detail: str | None = None) -> None:
        if self._outage.skipping():
            return
        try:
            if not self._limiter.hit(quota.item, key):
                raise quota.exceeded(self._limiter.get_window_stats(quota.item, key).reset_time, detail=detail)
        except StorageError as exc:
            self._outage.failed(quota.kind, exc)

    def spend_address(self, address: str) -> None:
        """Count one request from ``address``; raise the 429 once its budget is spent."""
        self._hit(self.quotas.address, address)

    def check_account(self, key: str) -> None:
        """Raise the 429 while the account's failure budget is spent."""
        quota = self.quotas.account
        if self._outage.skipping():
            return
        try:
            if not self._limiter.test(quota.item, key):
                raise quota.exceeded(self._limiter.get_window_stats(quota.item, key).reset_time)
        except StorageError as exc:
            self._outage.failed(quota.kind, exc)

    def account_failed(self, key: str) -> None:
        if self._outage.skipping():
            return
        try:
            self._limiter.hit(self.quotas.account.item, key)
        except StorageError as exc:
            self._outage.failed("account", exc)

    def spend_account(self, key: str) -> None:
        """Count one mail request for the account ``key``; the 429 once it is spent."""
        self._hit(self.quotas.account, key, MAIL_DETAIL)


LIMITER_CLIENT_NAME = "saaskit-login-limiter"  # how its connections show in CLIENT LIST


class AsyncLoginLimiter:
    """The same limiter for asyncio (FastAPI): same keys, same scripts, same answers.
    Each call is bounded as a whole by ``redis_timeout`` too (the socket timeout bounds
    each read, not a call made of a connect and several reads)."""

    def __init__(self, quotas: LoginQuotas, storage: AsyncRedisStorage, timeout: float = 1.0,
                 connections: AsyncConnectionPool | None = None) -> None:
        self.quotas = quotas
        self._limiter = AsyncFixedWindow(storage)
        self._timeout = timeout
        self._outage = _Outage()
        self._connections = connections

    @classmethod
    def from_settings(cls, settings: Settings) -> AsyncLoginLimiter:
        # The connection pool is ours, not the storage's (``limits`` has no close), so
        # that the service's shutdown can close it: dropped open with their event loop,
        # its connections surfaced as ResourceWarnings in whatever ran next.
        connections = AsyncConnectionPool.from_url(  # pyright: ignore[reportUnknownMemberType] - redis-py leaves **kwargs unannotated
            settings.redis_url, client_name=LIMITER_CLIENT_NAME, **_redis_options(settings))
        # limits types its storage options as scalars; redis-py's pool is what it passes on.
        pooled: dict[str, Any] = {"connection_pool": connections}
        storage = AsyncRedisStorage(
            f"async+{settings.redis_url}",
            implementation="redispy",
            wrap_exceptions=True,
            **pooled,
        )
        return cls(LoginQuotas.from_settings(settings), storage, settings.redis_timeout, connections)

    async def aclose(self) -> None:
        """Close the Redis connections (the service's shutdown); idempotent."""
        if self._connections is not None:
            await self._connections.aclose()

    async def _hit(self, quota: Quota, key: str, detail: str | None = None) -> None:
        if self._outage.skipping():
            return
        try:
            async with asyncio.timeout(self._timeout):
                allowed = await self._limiter.hit(quota.item, key)
                stats = None if allowed else await self._limiter.get_window_stats(quota.item, key)
        except (StorageError, TimeoutError) as exc:
            self._outage.failed(quota.kind, exc)
            return
        if stats is not None:
            raise quota.exceeded(stats.reset_time, detail=detail)

    async def spend_address(self, address: str) -> None:
        await self._hit(self.quotas.address, address)

    async def check_account(self, key: str) -> None:
        quota = self.quotas.account
        if self._outage.skipping():
            return
        try:
            async with asyncio.timeout(self._timeout):
                allowed = await self._limiter.test(quota.item, key)
                stats = None if allowed else await self._limiter.get_window_stats(quota.item, key)
        except (StorageError, TimeoutError) as exc:
            self._outage.failed(quota.kind, exc)
            return
        if stats is not None:
            raise quota.exceeded(stats.reset_time)

    async def account_failed(self, key: str) -> None:
        if self._outage.skipping():
            return
        try:
            async with asyncio.timeout(self._timeout):
                await self._limiter.hit(self.quotas.account.item, key)
        except (StorageError, TimeoutError) as exc:
            self._outage.failed("account", exc)

    async def spend_account(self, key: str) -> None:
        await self._hit(self.quotas.account, key, MAIL_DETAIL)
