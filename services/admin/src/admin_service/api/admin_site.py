"""The admin site, with its login throttled by the API's limiter (one address budget,
and a per-account budget for staff names).

A throttled login answers 429 with the admin's own login page, an error message saying
when to come back, and the same ``Retry-After`` / ``RateLimit*`` headers as the API. A
correct login under budget is Django's own view, untouched.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig

from admin_service import runtime
from admin_service.api import throttling
from saaskit.problems import ProblemError
from saaskit.ratelimit import account_key

REALM = "admin"


class AdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        if request.method != "POST":
            return super().login(request, extra_context)
        limiter, key = runtime.login_limiter(), account_key(REALM, request.POST.get("username", ""))
        try:
            throttling.spend_address(request)
            limiter.check_account(key)
        except ProblemError as err:
            return self._throttled(request, err, extra_context)
        response = super().login(request, extra_context)
        if response.status_code == 200:  # the form came back with its errors: a failed login
            limiter.account_failed(key)
        return response

    def _throttled(self, request, err: ProblemError, extra_context):
        messages.error(
            request, f"Too many login attempts. Try again in {err.headers['Retry-After']} seconds."
        )
        request.method = "GET"  # render the empty login form, without checking the password
        response = super().login(request, extra_context)
        response.status_code = 429
        for name, value in err.headers.items():
            response[name] = value
        return response


class AdminConfig(DjangoAdminConfig):
    """``django.contrib.admin`` with this site as ``admin.site`` (INSTALLED_APPS names it)."""

    default_site = "admin_service.api.admin_site.AdminSite"
