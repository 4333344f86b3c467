"""Writing job rows and queueing them on the arq queue the worker reads
(``saaskit.queue.enqueue_sync``: arq's own Redis format, JSON-serialised)."""

from __future__ import annotations

import redis.exceptions
from django.db import connection, transaction

from admin_service import runtime
from admin_service.api.writers import lock_active_user
from admin_service.jobs.models import Job
from saaskit import queue
from saaskit.logging import get_logger
from saaskit.problems import unavailable

log = get_logger(__name__)

REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def create_job(owner_id: int, type_: str, payload: dict) -> Job:
    return Job.objects.create(owner_id=owner_id, type=type_, payload=payload)


def enqueue(job: Job) -> bool:
    """Queue ``job.type(job_id=job.id)``; False when that job is queued already."""
    return queue.enqueue_sync(
        runtime.redis_client(), runtime.app_settings().queue_name, job.type, job.id
    )


def enqueue_after_commit(job: Job) -> None:
    """Best effort, once the row is committed: the caller's write has succeeded whatever
    Redis says, and a row left ``queued`` is queued again by the worker's sweep."""

    def send() -> None:
        try:
            enqueue(job)
        except redis.exceptions.RedisError as exc:
            log.warning("job not queued; the sweep will retry", job_id=job.id, error=str(exc))

    transaction.on_commit(send)


def start_export(owner_id: int) -> Job:
    """A queued ``export_posts`` job, or 503 with no row left behind when Redis is down."""
    with transaction.atomic():
        lock_active_user(owner_id)
        job = create_job(owner_id, queue.EXPORT_POSTS, {})
    # Back to the pool while Redis is called: a Redis that answers nothing must not
    # hold a database connection for its timeout (the FastAPI side does the same).
    connection.close()
    try:
        enqueue(job)
    except redis.exceptions.RedisError:
        Job.objects.filter(pk=job.pk).delete()
        raise unavailable("the queue") from None
    return job


def requeue(job: Job) -> bool:
    """The admin's "retry": back to ``queued`` and onto the queue, forgetting arq's result
    of the previous run (arq refuses a job id whose result it still holds)."""
    Job.objects.filter(pk=job.pk).update(
        status="queued", error=None, finished_at=None, started_at=None
    )
    runtime.redis_client().delete(queue.RESULT_KEY_PREFIX + queue.arq_job_id(job.pk))
    return enqueue(job)
