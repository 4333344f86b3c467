"""Login throttling, kept in Redis so every replica of both stacks spends one budget.

Two fixed windows (the ``limits`` library's atomic Lua INCR+EXPIRE; a window starts at
its first hit and its key expires with it):

- per client address: every request to a login-like endpoint counts (``/auth/token``,
  ``/auth/register``, ``/auth/refresh``, the admin's login). Checked first, so one
  address cannot spend every account's budget: it runs out of its own long before.
- per account: failed logins count. Once spent, the account is refused, even with the
  right password, until its window ends; the answer does not say whether the password
  was right, so throttling leaks nothing.
- per account, for the routes that send mail (``/auth/verify-email/request``,
  ``/auth/password-reset/request``): every request counts (``spend_account``), under
  the same quota with keys of their own realm, so nobody can mail-bomb an address.

Keys depend only on the kind, the identifier and the limit, never on the framework,
so a budget spent on the FastAPI auth service is spent on the Django twin too (both
stacks must run with the same limits, which the one ``Settings`` class guarantees).

Redis down fails open: the request goes on unthrottled and a warning is logged. Login
needs only PostgreSQL; turning a Redis outage into a login outage would hand an
attacker who can disturb Redis a denial of service, while argon2 still bounds how fast
passwords can be guessed. The client socket timeouts are the ``redis_timeout`` setting.

Over the limit: 429 problem+json with ``Retry-After`` and the IETF httpapi
ratelimit-headers ``RateLimit-Policy: "address";q=300;w=60`` and
``RateLimit: "address";r=0;t=42``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from ipaddress import ip_address, ip_network
from typing import Literal

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import RedisStorage as AsyncRedisStorage
from limits.aio.strategies import FixedWindowRateLimiter as AsyncFixedWindow
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter

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


def _fail_open(kind: str, exc: StorageError) -> None:
    log.warning("rate limiter unavailable, not throttling", quota=kind, error=type(exc.storage_error).__name__)


class LoginLimiter:
    """The synchronous limiter (Django)."""

    def __init__(self, quotas: LoginQuotas, storage: RedisStorage) -> None:
        self.quotas = quotas
        self._limiter = FixedWindowRateLimiter(storage)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimiter:
        storage = RedisStorage(settings.redis_url, wrap_exceptions=True,
                               socket_timeout=settings.redis_timeout,
                               socket_connect_timeout=settings.redis_timeout)
        return cls(LoginQuotas.from_settings(settings), storage)

    def spend_address(self, address: str) -> None:
        """Count one request from ``address``; raise the 429 once its budget is spent."""
        quota = self.quotas.address
        try:
            if not self._limiter.hit(quota.item, address):
                raise quota.exceeded(self._limiter.get_window_stats(quota.item, address).reset_time)
        except StorageError as exc:
            _fail_open(quota.kind, exc)

    def check_account(self, key: str) -> None:
        """Raise the 429 while the account's failure budget is spent."""
        quota = self.quotas.account
        try:
            if not self._limiter.test(quota.item, key):
                raise quota.exceeded(self._limiter.get_window_stats(quota.item, key).reset_time)
        except StorageError as exc:
            _fail_open(quota.kind, exc)

    def account_failed(self, key: str) -> None:
        try:
            self._limiter.hit(self.quotas.account.item, key)
        except StorageError as exc:
            _fail_open("account", exc)

    def spend_account(self, key: str) -> None:
        """Count one mail request for the account ``key``; the 429 once it is spent."""
        quota = self.quotas.account
        try:
            if not self._limiter.hit(quota.item, key):
                stats = self._limiter.get_window_stats(quota.item, key)
                raise quota.exceeded(stats.reset_time, detail=MAIL_DETAIL)
        except StorageError as exc:
            _fail_open(quota.kind, exc)


class AsyncLoginLimiter:
    """The same limiter for asyncio (FastAPI): same keys, same scripts, same answers."""

    def __init__(self, quotas: LoginQuotas, storage: AsyncRedisStorage) -> None:
        self.quotas = quotas
        self._limiter = AsyncFixedWindow(storage)

    @classmethod
    def from_settings(cls, settings: Settings) -> AsyncLoginLimiter:
        storage = AsyncRedisStorage(
            f"async+{settings.redis_url}",
            implementation="redispy",
            wrap_exceptions=True,
            socket_timeout=settings.redis_timeout,
            socket_connect_timeout=settings.redis_timeout,
        )
        return cls(LoginQuotas.from_settings(settings), storage)

    async def spend_address(self, address: str) -> None:
        quota = self.quotas.address
        try:
            if not await self._limiter.hit(quota.item, address):
                stats = await self._limiter.get_window_stats(quota.item, address)
                raise quota.exceeded(stats.reset_time)
        except StorageError as exc:
            _fail_open(quota.kind, exc)

    async def check_account(self, key: str) -> None:
        quota = self.quotas.account
        try:
            if not await self._limiter.test(quota.item, key):
                stats = await self._limiter.get_window_stats(quota.item, key)
                raise quota.exceeded(stats.reset_time)
        except StorageError as exc:
            _fail_open(quota.kind, exc)

    async def account_failed(self, key: str) -> None:
        try:
            await self._limiter.hit(self.quotas.account.item, key)
        except StorageError as exc:
            _fail_open("account", exc)

    async def spend_account(self, key: str) -> None:
        quota = self.quotas.account
        try:
            if not await self._limiter.hit(quota.item, key):
                stats = await self._limiter.get_window_stats(quota.item, key)
                raise quota.exceeded(stats.reset_time, detail=MAIL_DETAIL)
        except StorageError as exc:
            _fail_open(quota.kind, exc)
