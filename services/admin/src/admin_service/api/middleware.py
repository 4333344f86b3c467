"""Request metrics with the contract's names and labels (``saaskit.metrics``).

The ``route`` label is the URL pattern Django matched, written as the contract's
template (``users/<id>`` -> ``/users/{id}``), never the raw path.
"""

from __future__ import annotations

import re
import time

from saaskit.metrics import UNMATCHED_ROUTE, RequestMetrics

_PARAM = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


def route_template(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return UNMATCHED_ROUTE
    return "/" + _PARAM.sub(r"{\1}", match.route)


class RequestMetricsMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.metrics = RequestMetrics("admin", "django")

    def __call__(self, request):
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
