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

    FastAPIInstrumentor.instrument_app(app, tracer_provider=tracing.provider(), excluded_urls=tracing.EXCLUDED_URLS)
    return True
