"""The login limiter (``saaskit.ratelimit``) in Django: the same Redis keys as the
FastAPI auth service, so an address or an account throttled on one stack is throttled
on the other.

The client address is ``REMOTE_ADDR`` unless that is one of ``APP_TRUSTED_PROXIES``;
only then is ``X-Forwarded-For`` believed (gunicorn passes the header through as is).
The account budgets of the API's login and password change are spent in
``accounts.services`` and ``accounts.lifecycle``, keyed by the account (``login_key``).
"""

from __future__ import annotations

from admin_service import runtime
from saaskit.ratelimit import client_address


def request_address(request) -> str:
    return client_address(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR"),
        runtime.app_settings().trusted_proxies,
    )


def spend_address(request) -> None:
    """Count the request against its address's budget; raises the 429 when spent."""
    runtime.login_limiter().spend_address(request_address(request))
