"""Periodic jobs (arq cron), not tied to a ``jobs`` row.

- ``sweep``: queue again the rows left ``queued`` because Redis was down when they were
  created (arq refuses a job id it already holds, so a row that is in fact queued, or
  waiting for a retry, is left alone); and fail rows left ``running`` by a worker that
  died for good (arq no longer holds the job), rejecting the file of such a
  ``process_file`` job, as any other failure for good does.
- ``cleanup``: delete expired and long-revoked refresh tokens, and uploads still
  ``pending`` long after they were made, with their objects.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update

from saaskit import queue
from saaskit.db.schema import files, jobs, refresh_tokens
from saaskit.logging import get_logger
from saaskit.timeutil import utcnow
from worker.context import WorkerContext
from worker.tasks import process_file

log = get_logger(__name__)

BATCH = 500
REVOKED_RETENTION = timedelta(days=1)
ABANDONED = "the worker stopped while running this job"


async def sweep(worker: WorkerContext) -> dict[str, int]:
    settings, engine = worker.settings, worker.engine
    now = utcnow()
    requeue_before = now - timedelta(seconds=settings.worker_requeue_after_seconds)
    stuck_before = now - timedelta(seconds=settings.worker_job_timeout_seconds + 60)
    async with engine.connect() as conn:
        stale = (await conn.execute(
            select(jobs.c.id, jobs.c.type)
            .where(jobs.c.status == "queued",
                   jobs.c.created_at < requeue_before)
            .order_by(jobs.c.created_at).limit(BATCH)
        )).all()
        stuck = (await conn.execute(
            select(jobs.c.id, jobs.c.type, jobs.c.payload)
            .where(jobs.c.status == "running",
                   jobs.c.started_at < stuck_before)
            .limit(BATCH)
        )).all()
    requeued = 0
    for job in stale:
        requeued += await queue.enqueue(worker.redis, job.type, job.id)
    abandoned = [
        job for job in stuck
        if not await worker.redis.exists(queue.JOB_KEY_PREFIX + queue.arq_job_id(job.id))
    ]
    if abandoned:
        async with engine.begin() as conn:
            failed = (await conn.execute(
                update(jobs).where(jobs.c.id.in_([job.id for job in abandoned]),
                                   jobs.c.status == "running")
                .values(status="failed", finished_at=func.now(), error=ABANDONED)
                .returning(jobs.c.id)
            )).scalars().all()
            for job in abandoned:
                if job.id in failed and job.type == queue.PROCESS_FILE:
                    file_id = process_file.file_id_of(job.payload)
                    if file_id is not None:
                        await process_file.reject_pending(
                            conn, file_id, f"processing failed: {ABANDONED}")
    if requeued or abandoned:
        log.info("sweep", requeued=requeued, abandoned=len(abandoned))
    return {"requeued": requeued, "abandoned": len(abandoned)}


async def cleanup(worker: WorkerContext) -> dict[str, int]:
    settings, engine = worker.settings, worker.engine
    now = utcnow()
    pending_before = now - timedelta(seconds=settings.pending_upload_ttl_seconds)
    async with engine.begin() as conn:
        tokens = (await conn.execute(
            delete(refresh_tokens).where(or_(
                refresh_tokens.c.expires_at < now,
                refresh_tokens.c.revoked_at < now - REVOKED_RETENTION,
            ))
        )).rowcount
        stale = (await conn.execute(
            select(files.c.id, files.c.storage_key, files.c.thumbnail_key)
            .where(files.c.status == "pending",
                   files.c.created_at < pending_before)
            .limit(BATCH).with_for_update(skip_locked=True)
        )).all()
        # Objects first: if storage fails, the rows stay and the next run tries again.
        for row in stale:
            for key in (row.storage_key, row.thumbnail_key):
                if key:
                    await worker.storage.delete(key)
        if stale:
            await conn.execute(delete(files).where(files.c.id.in_([r.id for r in stale])))
    if tokens or stale:
        log.info("cleanup", refresh_tokens=tokens, stale_uploads=len(stale))
    return {"refresh_tokens": tokens, "stale_uploads": len(stale)}
