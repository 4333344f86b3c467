"""The lean read path: the asyncpg connection underneath SQLAlchemy's pool.

The hot reads skip SQLAlchemy's connection and result layers (that is where an ORM
request spends most of its time) but still borrow from the engine's one pool, so the
service keeps a single pool of ``database_pool_size`` connections. asyncpg prepares each
SQL text once per connection and reuses the plan (its statement cache). Checkout,
query and checkin run inside one greenlet, the way SQLAlchemy's own async layer does,
so a broken connection is invalidated, never handed back to the pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import await_only, greenlet_spawn

_DIALECT = postgresql.asyncpg.dialect(paramstyle="numeric_dollar")
_BROKEN = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)


def compile_sql(statement: ClauseElement) -> str:
    """A Core statement as asyncpg SQL text (``$1, $2, ...`` in bind parameter order)."""
    return str(statement.compile(dialect=_DIALECT))


def _run(engine: AsyncEngine, method: str, sql: str, args: Sequence[Any]) -> Any:
    raw = engine.sync_engine.raw_connection()
    try:
        return await_only(getattr(raw.driver_connection, method)(sql, *args))
    except _BROKEN:
        raw.invalidate()
        raise
    finally:
        raw.close()


async def fetch_row(engine: AsyncEngine, sql: str, *args: Any) -> asyncpg.Record | None:
    return await greenlet_spawn(_run, engine, "fetchrow", sql, args)


async def fetch(engine: AsyncEngine, sql: str, *args: Any) -> list[asyncpg.Record]:
    return await greenlet_spawn(_run, engine, "fetch", sql, args)
