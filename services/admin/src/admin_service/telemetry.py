"""Traces of the Django service (``saaskit.tracing``): a server span per request
(OpenTelemetry's Django middleware), client spans for its SQL (psycopg), Redis (the job
queue) and S3 (urllib3), and the enqueue span that the worker continues.

Called from ``wsgi.py`` before Django builds its middleware chain, which is when the
Django instrumentation must insert its own. With no OTLP endpoint configured nothing is
instrumented and the middleware chain is the untraced one.
"""

from __future__ import annotations

from saaskit import tracing


def setup_tracing() -> bool:
    if not tracing.setup("admin", instrument=("psycopg", "redis", "urllib3", "httpx")):
        return False
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    DjangoInstrumentor().instrument(tracer_provider=tracing.provider(), excluded_urls=tracing.EXCLUDED_URLS)
    return True
