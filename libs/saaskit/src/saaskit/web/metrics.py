"""Pure-ASGI request metrics (no BaseHTTPMiddleware: it costs a task per request).

The ``route`` label is the route template FastAPI matched (``/users/{id}``), read from
the scope after routing; never the raw path, so label cardinality stays bounded.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saaskit.metrics import UNMATCHED_ROUTE, RequestMetrics, render_metrics


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, service: str, framework: str = "fastapi") -> None:
        self.app = app
        self.metrics = RequestMetrics(service, framework)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        in_progress = self.metrics.in_progress
        in_progress.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            in_progress.dec()
            route = scope.get("route")
            template = getattr(route, "path_format", None) or UNMATCHED_ROUTE
            self.metrics.observe(scope["method"], template, status, time.perf_counter() - start)


def metrics_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        body, content_type = render_metrics()
        return Response(body, media_type=content_type)

    return router
