"""Request metrics with the contract's names and labels (``saaskit.metrics``).

The ``route`` label is the URL pattern Django matched, written as the contract's
template (``users/<id>`` -> ``/users/{id}``), never the raw path.

The ``db_pool_*`` gauges come from a sampler thread that each server process starts on
its first request (gunicorn loads the app in the master and forks: a thread started
there would not exist in the workers).
"""

from __future__ import annotations

import os
import re
import time

from django.db import connections

from saaskit.metrics import UNMATCHED_ROUTE, PoolReading, PoolSampler, RequestMetrics

_PARAM = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


def route_template(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return UNMATCHED_ROUTE
    return "/" + _PARAM.sub(r"{\1}", match.route)


def pool_reading() -> PoolReading:
    """psycopg_pool's own statistics of the process's pool (Django's ``pool`` option)."""
    # Django 5.1+ has the pool; django-stubs 5.2 does not declare DatabaseWrapper.pool.
    stats = connections["default"].pool.get_stats()  # pyright: ignore[reportAttributeAccessIssue]
    available = stats.get("pool_available", 0)
    return stats.get("pool_size", 0) - available, stats.get("requests_waiting", 0), stats.get("pool_max", 0)


class RequestMetricsMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.metrics = RequestMetrics("admin", "django")
        self.sampler_pid = 0

    def __call__(self, request):
        if self.sampler_pid != os.getpid():
            self.sampler_pid = os.getpid()
            PoolSampler("admin", "django", pool_reading).start()
        start = time.perf_counter()
        status = 500
        self.metrics.in_progress.inc()
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            self.metrics.in_progress.dec()
            self.metrics.observe(
                request.method, route_template(request), status, time.perf_counter() - start
            )
