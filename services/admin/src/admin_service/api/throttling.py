"""The login limiter (``saaskit.ratelimit``) in Django: the same Redis keys as the
FastAPI auth service, so an address or an account throttled on one stack is throttled
on the other.

The client address is ``REMOTE_ADDR`` unless that is one of ``APP_TRUSTED_PROXIES``;
only then is ``X-Forwarded-For`` believed (gunicorn passes the header through as is).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from admin_service import runtime
from saaskit.problems import ProblemError
from saaskit.ratelimit import account_key, client_address


def request_address(request) -> str:
    return client_address(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR"),
        runtime.app_settings().trusted_proxies,
    )


def spend_address(request) -> None:
    """Count the request against its address's budget; raises the 429 when spent."""
    runtime.login_limiter().spend_address(request_address(request))


@contextmanager
def login_attempt(realm: str, login: str) -> Iterator[None]:
    """Refuse a spent account up front; a ``ProblemError`` (401) inside counts as a failure."""
    limiter, key = runtime.login_limiter(), account_key(realm, login)
    limiter.check_account(key)
    try:
        yield
    except ProblemError:
        limiter.account_failed(key)
        raise
