"""Jobs: a row in ``jobs`` for the status, and ``function(job_id=<row id>)`` in arq.

The row is committed before the job is queued, so the worker always finds it. If the
queue cannot be reached the row is deleted again and the caller gets 503: no job is left
behind that nobody will run.
"""

from __future__ import annotations

from typing import Any

import redis.exceptions
from arq.connections import ArqRedis
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from resources_service import responses
from saaskit import queue
from saaskit.db.schema import jobs
from saaskit.logging import get_logger
from saaskit.problems import unavailable

log = get_logger(__name__)

JOB_COLUMNS = (jobs.c.id, jobs.c.type, jobs.c.status, jobs.c.created_at, jobs.c.finished_at,
               jobs.c.result, jobs.c.error)


async def start_job(
    conn: AsyncConnection, pool: ArqRedis, owner_id: int, job_type: str, function: str
) -> dict[str, Any]:
    new_job = insert(jobs).values(owner_id=owner_id, type=job_type, payload={})
    row = (await conn.execute(new_job.returning(*JOB_COLUMNS))).one()
    await conn.commit()
    try:
        await queue.enqueue(pool, function, row.id)
    except (redis.exceptions.RedisError, OSError) as exc:
        log.warning("job not queued; removing its row", job_id=row.id, error=type(exc).__name__)
        await conn.execute(delete(jobs).where(jobs.c.id == row.id))
        await conn.commit()
        raise unavailable("the job queue") from None
    return responses.job(row._mapping)


async def get_job(conn: AsyncConnection, job_id: int, owner_id: int) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            select(*JOB_COLUMNS).where(jobs.c.id == job_id, jobs.c.owner_id == owner_id)
        )
    ).one_or_none()
    return responses.job(row._mapping) if row else None
