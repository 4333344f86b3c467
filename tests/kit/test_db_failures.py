"""saaskit.db.failures and the FastAPI error handlers (issue 26.2): a statement that a
real PostgreSQL cuts off as it would at shutdown (``pg_terminate_backend`` sends the
same ``57P01 admin_shutdown`` as a fast shutdown does to every backend) is the 503
problem, on the SQLAlchemy path and on the lean asyncpg path alike, while errors that
are not outages (a bad statement, a statement timeout, a constraint) are not."""

from __future__ import annotations

import asyncio

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from saaskit.db.database import Database
from saaskit.db.failures import is_connection_failure
from saaskit.db.urls import asyncpg_url, libpq_url
from saaskit.web.errors import install_error_handlers

SLEEP = "SELECT pg_sleep(20)"


async def _terminate_when_running(database_url: str, application_name: str) -> None:
    """End the backend running ``SLEEP`` for ``application_name`` (bounded: 10 s)."""
    async with await psycopg.AsyncConnection.connect(libpq_url(database_url), autocommit=True) as conn:
        for _ in range(200):
            cur = await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND query = %s", (application_name, SLEEP))
            if await cur.fetchall():
                return
            await asyncio.sleep(0.05)
    raise AssertionError("the statement never started")


def _engine(database_url: str, name: str) -> AsyncEngine:
    return create_async_engine(asyncpg_url(database_url), pool_size=2, max_overflow=0,
                               connect_args={"server_settings": {"application_name": name}})


def _app(engine: AsyncEngine) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    db = Database(engine, 2, 5.0)

    @app.get("/orm")
    async def orm() -> dict[str, str]:
        async with db.connect() as conn:
            await conn.execute(text(SLEEP))
        return {}

    @app.get("/lean")
    async def lean() -> dict[str, str]:
        await db.fetch_row(SLEEP)
        return {}

    @app.get("/orm-in-transaction")
    async def orm_in_transaction() -> dict[str, str]:
        async with db.begin() as conn:
            await conn.execute(text("SELECT 1"))
            await conn.execute(text(SLEEP))
        return {}

    return app


@pytest.mark.parametrize("path", ["/orm", "/lean", "/orm-in-transaction"])
async def test_a_statement_cut_off_by_a_shutdown_is_the_503_problem(database_url, path):
    name = f"failures{path.replace('/', '-')}"
    engine = _engine(database_url, name)
    try:
        transport = httpx.ASGITransport(app=_app(engine), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
            response, _ = await asyncio.wait_for(asyncio.gather(
                client.get(path), _terminate_when_running(database_url, name)), 30)
    finally:
        await engine.dispose()
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers.get("retry-after")
    assert "database" in response.json()["detail"]


async def test_the_drivers_outage_errors_are_classified_and_others_are_not(database_url):
    engine = _engine(database_url, "failures-classify")
    caught: dict[str, BaseException] = {}
    try:
        async def run(key: str, sql: str, terminate: bool = False) -> None:
            try:
                async with engine.connect() as conn:
                    await conn.execute(text("SET statement_timeout = '100ms'")
                                       if key == "timeout" else text("SELECT 1"))
                    if terminate:
                        await asyncio.gather(conn.execute(text(sql)),
                                             _terminate_when_running(database_url, "failures-classify"))
                    else:
                        await conn.execute(text(sql))
            except Exception as exc:  # noqa: BLE001 - each one is looked at below
                caught[key] = exc

        await asyncio.wait_for(run("shutdown", SLEEP, terminate=True), 30)
        await run("syntax", "SELEC 1")
        await run("timeout", "SELECT pg_sleep(2)")
        await run("missing", "SELECT * FROM no_such_table")
    finally:
        await engine.dispose()
    assert set(caught) == {"shutdown", "syntax", "timeout", "missing"}
    assert is_connection_failure(caught["shutdown"]), repr(caught["shutdown"])
    for key in ("syntax", "timeout", "missing"):
        assert not is_connection_failure(caught[key]), (key, repr(caught[key]))
    # psycopg (Django's driver) carries the same SQLSTATE.
    with psycopg.connect(libpq_url(database_url), autocommit=True,
                         application_name="failures-psycopg") as victim:
        with psycopg.connect(libpq_url(database_url), autocommit=True) as killer:
            killer.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE application_name = 'failures-psycopg'")
        with pytest.raises(psycopg.OperationalError) as lost:
            victim.execute("SELECT 1")
    assert is_connection_failure(lost.value)
