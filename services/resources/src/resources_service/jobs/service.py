"""Jobs: a row in ``jobs`` for the status, and ``function(job_id=<row id>)`` in arq.

The row is committed before the job is queued, so the worker always finds it. If the
queue cannot be reached the row is deleted again and the caller gets 503: no job is left
behind that nobody will run.

No database connection is held while Redis is called: the insert and the delete each
borrow one for their own statement. A Redis that accepts connections but answers
nothing (frozen, overloaded) once held every pooled connection for its timeout, so
other requests got 503s that blamed the database. The queueing as a whole gets
``redis_timeout`` (each Redis call has that too, and arq makes several, plus the
handshake of a new connection; together a few milliseconds on a healthy Redis).
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.exceptions
from arq.connections import ArqRedis
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from resources_service import responses
from saaskit import queue
from saaskit.db.database import Database
from saaskit.db.schema import jobs
from saaskit.db.writers import lock_active_user
from saaskit.logging import get_logger
from saaskit.problems import unavailable

log = get_logger(__name__)

JOB_COLUMNS = (jobs.c.id, jobs.c.type, jobs.c.status, jobs.c.created_at, jobs.c.finished_at,
               jobs.c.result, jobs.c.error)


async def start_job(
    db: Database, pool: ArqRedis, owner_id: int, job_type: str, function: str,
    redis_timeout: float,
) -> dict[str, Any]:
    new_job = insert(jobs).values(owner_id=owner_id, type=job_type, payload={})
    async with db.begin() as conn:
        await lock_active_user(conn, owner_id)  # 401 for a user gone or inactive
        row = (await conn.execute(new_job.returning(*JOB_COLUMNS))).one()
    try:
        async with asyncio.timeout(redis_timeout):
            await queue.enqueue(pool, function, row.id)
    except (redis.exceptions.RedisError, OSError, TimeoutError) as exc:
        log.warning("job not queued; removing its row", job_id=row.id, error=type(exc).__name__)
        async with db.begin() as conn:
            await conn.execute(delete(jobs).where(jobs.c.id == row.id))
        raise unavailable("the job queue") from None
    return responses.job(row._mapping)


async def get_job(conn: AsyncConnection, job_id: int, owner_id: int) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            select(*JOB_COLUMNS).where(jobs.c.id == job_id, jobs.c.owner_id == owner_id)
        )
    ).one_or_none()
    return responses.job(row._mapping) if row else None
