"""Traces of a FastAPI service (``saaskit.tracing``): a server span per request, and
client spans for its SQL (asyncpg), Redis, the JWKS fetch (httpx) and S3 (urllib3).

With no OTLP endpoint configured nothing is instrumented, so a local run or a benchmark
pays nothing: the ASGI stack is exactly the untraced one.
"""

from __future__ import annotations

from fastapi import FastAPI

from saaskit import tracing


def setup_tracing(app: FastAPI, service: str) -> bool:
    if not tracing.setup(service, instrument=("asyncpg", "redis", "httpx", "urllib3")):
        return False
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # No per-message "http send"/"http receive" spans: three spans per request for nothing
    # a reader of the trace needs, and most of the instrumentation's cost.
    FastAPIInstrumentor.instrument_app(app, tracer_provider=tracing.provider(), excluded_urls=tracing.EXCLUDED_URLS,
                                       exclude_spans=["receive", "send"])
    return True
