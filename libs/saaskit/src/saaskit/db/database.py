"""The FastAPI services' database handle: one pool, a fair queue, a lean read path.

- One pool: everything borrows from the SQLAlchemy engine's pool of
  ``database_pool_size`` connections.
- A fair queue: SQLAlchemy's async pool hands a freed connection to whichever task asks
  next, not to the one that has waited longest, so under load some requests starve until
  the pool timeout fires (seen as 503s and a p99 in the hundreds of milliseconds). A FIFO
  semaphore of the pool's size in front of it serves waiters in arrival order; a request
  waits at most ``database_connect_timeout`` for its turn, then gets 503.
- The lean read path: hot reads skip SQLAlchemy's connection and result layers and run
  on the asyncpg connection underneath (``fetch_row`` for one statement, ``on_driver``
  for several on one connection), which prepares each SQL text once per connection
  (asyncpg's statement cache). Checkout, query and checkin run in one greenlet, as
  SQLAlchemy's own async layer does, and a broken connection is invalidated, never
  handed back to the pool; one that the server closed (PostgreSQL restarted) surfaces
  as ``ConnectionDoesNotExistError``, which the error handlers answer with 503 (asyncpg
  says ``InterfaceError`` for it, also its word for a misuse, which stays a 500); so
  does every other connection failure ``saaskit.db.failures`` knows (a statement cut
  off by a shutdown: ``AdminShutdownError``), and its connection is invalidated too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import await_only, greenlet_spawn

from saaskit.db.failures import is_connection_failure

_DIALECT = postgresql.asyncpg.dialect(paramstyle="numeric_dollar")
T = TypeVar("T")


def compile_sql(statement: ClauseElement) -> str:
    """A Core statement as asyncpg SQL text (``$1, $2, ...`` in bind parameter order)."""
    return str(statement.compile(dialect=_DIALECT))


def _run(engine: AsyncEngine, work: Callable[[asyncpg.Connection[asyncpg.Record]], Awaitable[T]]) -> T:
    try:
        raw = engine.sync_engine.raw_connection()
    except Exception as exc:
        # A checkout (its pre-ping, a new connection) raises the driver's own error here,
        # unwrapped by SQLAlchemy: "the database system is shutting down" was a 500.
        if is_connection_failure(exc):
            raise asyncpg.ConnectionDoesNotExistError("the database connection was lost") from exc
        raise
    driver = raw.driver_connection
    if driver is None:  # the pool's connection was closed under us
        raw.close()
        raise asyncpg.ConnectionDoesNotExistError("the database connection was lost")
    try:
        return await_only(work(driver))
    except Exception as exc:
        # An error the server sent about a statement leaves the connection usable; any
        # other (the socket gone, asyncpg's protocol confused by it: "cannot switch to
        # state 12; another operation is in progress") does not, and such a connection
        # handed back to the pool made the next request on it hang.
        if isinstance(exc, asyncpg.PostgresError) and not is_connection_failure(exc):
            raise
        raw.invalidate()
        if driver.is_closed() or is_connection_failure(exc):  # the server went away: an outage
            raise asyncpg.ConnectionDoesNotExistError("the database connection was lost") from exc
        raise
    finally:
        raw.close()


class Database:
    def __init__(self, engine: AsyncEngine, size: int, wait_seconds: float) -> None:
        self.engine = engine
        self._turns = asyncio.Semaphore(size)  # FIFO once anybody waits
        self._size = size
        self._wait_seconds = wait_seconds

    @asynccontextmanager
    async def _turn(self) -> AsyncGenerator[None]:
        try:
            async with asyncio.timeout(self._wait_seconds):
                await self._turns.acquire()
        except TimeoutError:
            raise PoolTimeoutError("no database connection became free in time") from None
        try:
            yield
        finally:
            self._turns.release()

    @asynccontextmanager
    async def connect(self) -> AsyncGenerator[AsyncConnection]:
        """A SQLAlchemy connection; uncommitted work is rolled back at the end.

        Once the block has ended without error, a lost connection at that rollback is
        not an error: the work is done (anything it wrote it committed itself), and
        SQLAlchemy has already put the dead connection out of the pool. As a FastAPI
        dependency (``saaskit.web.deps.ConnDep``) this end runs after the response has
        been sent; raising there made uvicorn close the kept-alive connection under the
        client's next request (a reset, not a 503: PostgreSQL shutting down under load).
        """
        finished = False
        async with self._turn():
            try:
                async with self.engine.connect() as conn:
                    yield conn
                    finished = True
            except Exception as exc:
                if not (finished and is_connection_failure(exc)):
                    raise

    @asynccontextmanager
    async def begin(self) -> AsyncGenerator[AsyncConnection]:
        """A connection in a transaction, committed when the block ends without error."""
        async with self._turn(), self.engine.begin() as conn:
            yield conn

    def pool_reading(self) -> tuple[int, int, int]:
        """(connections in use, requests waiting, pool size), read without a lock: the
        semaphore's counters are plain ints and a sampler only needs a recent value."""
        waiters = self._turns._waiters  # asyncio keeps it None until somebody waits
        return self._size - self._turns._value, len(waiters) if waiters else 0, self._size

    async def on_driver(self, work: Callable[[asyncpg.Connection[asyncpg.Record]], Awaitable[T]]) -> T:
        """``work(connection)`` on one asyncpg connection of the pool: several statements
        in one checkout, each prepared once per connection. No transaction is opened, so
        each statement commits (or just reads) on its own."""
        async with self._turn():
            return await greenlet_spawn(_run, self.engine, work)

    async def fetch_row(self, sql: str, *args: Any) -> asyncpg.Record | None:
        return await self.on_driver(lambda conn: conn.fetchrow(sql, *args))
