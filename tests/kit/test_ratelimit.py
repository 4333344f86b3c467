"""The login limiter on a real Redis: quotas, the 429's headers, one budget for the
sync (Django) and async (FastAPI) limiters, fail-open with Redis down, and which
address is the client's."""

from __future__ import annotations

from typing import Any, cast

import pytest
import redis

from devstack.net import free_port
from saaskit.problems import ProblemError
from saaskit.ratelimit import (
    LIMITER_CLIENT_NAME,
    AsyncLoginLimiter,
    LoginLimiter,
    Quota,
    account_key,
    client_address,
)


@pytest.fixture
def small(settings):
    return settings.model_copy(
        update={
            "login_rate_address_limit": 3,
            "login_rate_address_window_seconds": 60,
            "login_rate_account_limit": 2,
            "login_rate_account_window_seconds": 120,
        }
    )


def test_the_429_names_its_quota_and_when_to_come_back():
    err = Quota("address", 300, 60).exceeded(reset_at=1042.2, now=1000.0)
    assert (err.status, err.detail) == (429, "too many attempts from this address, try again later")
    assert err.headers == {
        "Retry-After": "43",
        "RateLimit-Policy": '"address";q=300;w=60',
        "RateLimit": '"address";r=0;t=43',
    }
    assert Quota("account", 5, 60).exceeded(reset_at=999.0, now=1000.0).headers["Retry-After"] == "1"


def test_address_budget_is_spent_then_refused(small):
    limiter = LoginLimiter.from_settings(small)
    for _ in range(3):
        limiter.spend_address("192.0.2.1")
    with pytest.raises(ProblemError) as refused:
        limiter.spend_address("192.0.2.1")
    assert refused.value.status == 429
    assert 0 < int(refused.value.headers["Retry-After"]) <= 60
    limiter.spend_address("192.0.2.2")  # another address has its own budget


def test_account_failures_lock_the_account_not_its_neighbours(small):
    limiter = LoginLimiter.from_settings(small)
    key = account_key("api", "Alice")
    limiter.check_account(key)
    limiter.account_failed(key)
    limiter.check_account(account_key("api", " alice "))  # one failure left
    limiter.account_failed(key)
    with pytest.raises(ProblemError) as refused:
        limiter.check_account(account_key("api", "ALICE"))
    assert refused.value.headers["RateLimit-Policy"] == '"account";q=2;w=120'
    limiter.check_account(account_key("admin", "alice"))  # staff are another realm


async def test_sync_and_async_limiters_spend_one_budget(small):
    sync, aio = LoginLimiter.from_settings(small), AsyncLoginLimiter.from_settings(small)
    sync.spend_address("198.51.100.9")
    await aio.spend_address("198.51.100.9")
    sync.spend_address("198.51.100.9")
    with pytest.raises(ProblemError):
        await aio.spend_address("198.51.100.9")
    key = account_key("api", "bob")
    await aio.account_failed(key)
    sync.account_failed(key)
    with pytest.raises(ProblemError):
        await aio.check_account(key)
    with pytest.raises(ProblemError):
        sync.check_account(key)
    await aio.aclose()


async def test_redis_down_fails_open(small):
    down = small.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0", "redis_timeout": 0.5})
    sync, aio = LoginLimiter.from_settings(down), AsyncLoginLimiter.from_settings(down)
    answered = 0
    for _ in range(5):  # well over both limits (3 and 2): with Redis up, the 4th would be a 429
        sync.spend_address("192.0.2.1")
        sync.account_failed("api:x")
        sync.check_account("api:x")
        await aio.spend_address("192.0.2.1")
        await aio.account_failed("api:x")
        await aio.check_account("api:x")
        answered += 1
    assert answered == 5
    await aio.aclose()


async def test_the_async_limiter_closes_its_redis_connections(small):
    """The auth service's shutdown closes them (``AuthState.aclose``): left open when
    their loop ended, they surfaced as ResourceWarnings in whichever test ran next."""
    limiter = AsyncLoginLimiter.from_settings(small)

    def limiter_clients() -> int:
        with redis.Redis.from_url(small.redis_url) as server:
            clients = cast("list[dict[str, Any]]", server.client_list())
        return sum(client["name"] == LIMITER_CLIENT_NAME for client in clients)

    before = limiter_clients()
    await limiter.spend_address("192.0.2.77")
    assert limiter_clients() == before + 1
    await limiter.aclose()
    assert limiter_clients() == before
    await limiter.aclose()  # twice is harmless


@pytest.mark.parametrize(
    ("peer", "header", "trusted", "expected"),
    [
        ("203.0.113.5", None, (), "203.0.113.5"),
        ("203.0.113.5", "1.2.3.4", (), "203.0.113.5"),  # no trusted proxy: header ignored
        ("203.0.113.5", "1.2.3.4", ("10.0.0.0/8",), "203.0.113.5"),  # not from a proxy
        ("10.0.0.7", "1.2.3.4", ("10.0.0.0/8",), "1.2.3.4"),
        ("10.0.0.7", "6.6.6.6, 1.2.3.4, 10.0.0.3", ("10.0.0.0/8",), "1.2.3.4"),  # left part is the client's word
        ("10.0.0.7", "10.0.0.2", ("10.0.0.0/8",), "10.0.0.2"),
        ("10.0.0.7", "", ("10.0.0.0/8",), "10.0.0.7"),
        ("::1", "2001:db8::1", ("::1",), "2001:db8::1"),
        ("192.0.2.9", "1.2.3.4, 5.6.7.8", ("*",), "1.2.3.4"),  # everyone trusted: the first hop
    ],
)
def test_client_address_believes_only_trusted_proxies(peer, header, trusted, expected):
    assert client_address(peer, header, trusted) == expected
