"""Liveness and readiness. ``/healthz`` touches nothing; ``/readyz`` asks each dependency,
each with a short timeout, and names the one that failed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from saaskit.web.state import service_state

Check = Callable[[Request], Awaitable[None]]


def health_router(checks: dict[str, Check], timeout: float = 2.0) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process runs")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness: every dependency answers",
        responses={503: {"description": "a dependency is down; the failing check is named"}},
    )
    async def readyz(request: Request) -> JSONResponse:
        async def run(check: Check) -> str:
            try:
                await asyncio.wait_for(check(request), timeout)
                return "ok"
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                return f"failed: {type(exc).__name__}"

        names = list(checks)
        results = await asyncio.gather(*(run(checks[n]) for n in names))
        report = dict(zip(names, results, strict=True))
        ok = all(r == "ok" for r in results)
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": report},
            status_code=200 if ok else 503,
        )

    return router


async def check_database(request: Request) -> None:
    async with service_state(request).engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def check_redis(request: Request) -> None:
    # redis-py types ping's keyword arguments as unknown; it takes none here.
    await service_state(request).queue.ping()  # pyright: ignore[reportUnknownMemberType]


async def check_storage(request: Request) -> None:
    await service_state(request).storage.check()
