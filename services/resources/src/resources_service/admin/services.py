"""The admin's writes: the Django admin's actions (``admin_service/*/services.py``), in
Core statements on the kit's tables, queued with the kit's job queue
(``saaskit.queue.enqueue``) the way the API queues: the job's row is committed first,
then pushed to arq; a push that fails leaves the row ``queued`` for the worker's sweep
(``worker/tasks/maintenance.py``), so an action never fails after its write.

Each function takes the admin's own engine (not the API's pool: an admin page must not
take a connection a public request is waiting for) and the service's arq pool.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from arq.connections import ArqRedis
from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from saaskit import queue
from saaskit.db.schema import files, jobs, refresh_tokens, users
from saaskit.logging import get_logger

log = get_logger(__name__)


async def _push(pool: ArqRedis, function: str, job_id: int) -> bool:
    """Best effort, after the commit (the API's ``_queue``): True when pushed now."""
    try:
        return await queue.enqueue(pool, function, job_id)
    except Exception as exc:  # noqa: BLE001 - the row is committed; the sweep retries
        log.warning("job not queued; the sweep will retry", job_id=job_id, error=str(exc))
        return False


async def deactivate(engine: AsyncEngine, user_ids: Sequence[int]) -> int:
    """Deactivate and log out (every refresh token revoked), in one transaction."""
    async with engine.begin() as conn:
        count = (await conn.execute(
            update(users).where(users.c.id.in_(user_ids)).values(is_active=False, updated_at=func.now())
        )).rowcount
        await conn.execute(_revoke(user_ids))
    return count


def _revoke(user_ids: Sequence[int]):
    return (
        update(refresh_tokens)
        .where(refresh_tokens.c.user_id.in_(user_ids), refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


async def force_logout(engine: AsyncEngine, user_ids: Sequence[int]) -> int:
    """Revoke every refresh token of these users (access tokens expire on their own)."""
    async with engine.begin() as conn:
        return (await conn.execute(_revoke(user_ids))).rowcount


async def resend_verification(engine: AsyncEngine, pool: ArqRedis, user_ids: Sequence[int]) -> int:
    """A ``verification_email`` job for each selected active, unverified user: the
    statement the auth service's ``request_verification`` runs, for many users."""
    new_jobs = insert(jobs).from_select(
        ["owner_id", "type", "payload"],
        select(users.c.id, literal(queue.VERIFICATION_EMAIL), func.jsonb_build_object("user_id", users.c.id))
        .where(users.c.id.in_(user_ids), users.c.is_active, users.c.email_verified.is_(False)),
    ).returning(jobs.c.id)
    async with engine.begin() as conn:
        job_ids = list((await conn.execute(new_jobs)).scalars())
    for job_id in job_ids:
        await _push(pool, queue.VERIFICATION_EMAIL, job_id)
    return len(job_ids)


async def reprocess(engine: AsyncEngine, pool: ArqRedis, file_ids: Sequence[uuid.UUID]) -> int:
    """The file checked again from its stored bytes: ``process_file`` changes only a
    ``pending`` row, so the row goes back to ``pending`` with no checksum, thumbnail or
    rejection reason, in the transaction that writes the job's row; the job is pushed
    once that has committed (pushed earlier, the worker could read the row before the
    reset and skip it).

    Unlike the Django admin, the old thumbnail object is not deleted here: the resources
    service has no object storage. The worker writes the new one at the same key (it is
    derived from the file id), so only a file that was an image and is now rejected
    leaves its old thumbnail object behind."""
    async with engine.begin() as conn:
        reset = (await conn.execute(
            update(files).where(files.c.id.in_(file_ids)).values(
                status="pending", sha256=None, thumbnail_key=None, rejection_reason=None,
                updated_at=func.now(),
            ).returning(files.c.id, files.c.owner_id)
        )).all()
        job_ids = list((await conn.execute(
            insert(jobs).returning(jobs.c.id),
            [{"owner_id": row.owner_id, "type": queue.PROCESS_FILE, "payload": {"file_id": str(row.id)}}
             for row in reset],
        )).scalars()) if reset else []
    for job_id in job_ids:
        await _push(pool, queue.PROCESS_FILE, job_id)
    return len(job_ids)


async def retry(engine: AsyncEngine, pool: ArqRedis, job_ids: Sequence[int]) -> int:
    """The Django admin's "retry": back to ``queued`` and onto the queue, forgetting arq's
    result of the previous run (arq refuses a job id whose result it still holds).
    Returns how many were pushed now (one already queued in arq is not pushed twice)."""
    async with engine.begin() as conn:
        rows = (await conn.execute(
            update(jobs).where(jobs.c.id.in_(job_ids))
            .values(status="queued", error=None, finished_at=None, started_at=None)
            .returning(jobs.c.id, jobs.c.type)
        )).all()
    if rows:
        await pool.delete(*(queue.RESULT_KEY_PREFIX + queue.arq_job_id(row.id) for row in rows))
    pushed = 0
    for row in rows:
        pushed += await queue.enqueue(pool, row.type, row.id)
    return pushed
