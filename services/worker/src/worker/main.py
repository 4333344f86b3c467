"""The arq worker: ``python -m worker`` (or ``arq worker.main.WorkerSettings``).

Jobs are queued as ``function(job_id=<jobs.id>)`` with a JSON serializer (plus
``trace``, the producer's W3C context, when the producer traces); each job function
below runs one try through ``lifecycle.run``. These functions and the cron ones are
where arq's ``ctx`` dict ends: the tasks get the typed ``worker.context.WorkerContext``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypedDict

from arq import cron, func
from arq.connections import RedisSettings
from arq.typing import WorkerCoroutine
from arq.worker import Function

from saaskit import queue, tracing
from saaskit.db.engine import create_engine
from saaskit.logging import configure_logging, get_logger
from saaskit.settings import Settings, get_settings
from saaskit.storage import AsyncStorage, StorageUnavailable, build_storage
from worker import lifecycle
from worker.context import ArqContext, WorkerContext
from worker.lifecycle import JobResult
from worker.metrics import serve_metrics
from worker.tasks import account_emails, maintenance
from worker.tasks import export_posts as export_task
from worker.tasks import process_file as process_task

log = get_logger(__name__)


async def process_file(ctx: ArqContext, job_id: int, trace: dict[str, str] | None = None) -> JobResult:
    return await lifecycle.run(ctx, queue.PROCESS_FILE, job_id, process_task.handle, trace,
                               on_failure=process_task.give_up)


async def welcome_email(ctx: ArqContext, job_id: int, trace: dict[str, str] | None = None) -> JobResult:
    return await lifecycle.run(ctx, queue.WELCOME_EMAIL, job_id, account_emails.welcome, trace)


async def verification_email(ctx: ArqContext, job_id: int, trace: dict[str, str] | None = None) -> JobResult:
    return await lifecycle.run(ctx, queue.VERIFICATION_EMAIL, job_id, account_emails.verification, trace)


async def password_reset_email(ctx: ArqContext, job_id: int, trace: dict[str, str] | None = None) -> JobResult:
    return await lifecycle.run(
        ctx, queue.PASSWORD_RESET_EMAIL, job_id, account_emails.password_reset, trace
    )


async def export_posts(ctx: ArqContext, job_id: int, trace: dict[str, str] | None = None) -> JobResult:
    return await lifecycle.run(ctx, queue.EXPORT_POSTS, job_id, export_task.handle, trace)


async def sweep(ctx: ArqContext) -> dict[str, int]:
    return await maintenance.sweep(WorkerContext.of(ctx))


async def cleanup(ctx: ArqContext) -> dict[str, int]:
    return await maintenance.cleanup(WorkerContext.of(ctx))


class CronTimes(TypedDict, total=False):
    minute: set[int]
    second: set[int]


def every(seconds: int) -> CronTimes:
    """arq cron fields for "every ``seconds``" (rounded to what a clock face allows)."""
    if seconds < 60:
        return {"second": set(range(0, 60, max(1, seconds)))}
    minutes = max(1, min(seconds // 60, 59))
    return {"minute": set(range(0, 60, minutes)), "second": {0}}


def _redis_settings(settings: Settings) -> RedisSettings:
    redis_settings = queue.redis_settings(settings.redis_url, settings.redis_timeout)
    # Unlike a web request, a starting worker may wait for Redis to come up.
    redis_settings.conn_retries = 30
    redis_settings.conn_retry_delay = 1
    return redis_settings


STORAGE_TRIES = 30
STORAGE_RETRY_DELAY = 1.0


async def wait_for_storage(ensure_bucket: Callable[[], None], tries: int = STORAGE_TRIES,
                           delay: float = STORAGE_RETRY_DELAY) -> None:
    """Like Redis above, S3 may still be starting when the worker does (seen on a real
    cluster: the in-chart S3 came up a few seconds after the worker, whose startup then
    failed and, under the dev reloader, never came back). Wait for it, then give up."""
    for attempt in range(1, tries + 1):
        try:
            await asyncio.to_thread(ensure_bucket)
            return
        except StorageUnavailable as exc:
            if attempt == tries:
                raise
            log.warning("storage not reachable yet, retrying", attempt=attempt, error=str(exc))
            await asyncio.sleep(delay)


def worker_options(settings: Settings) -> dict[str, Any]:
    """Everything arq's ``Worker`` needs, from the settings."""

    async def startup(ctx: ArqContext) -> None:
        # Redis is not instrumented here: arq polls it twice a second, each poll a root span.
        tracing.setup("worker", instrument=("asyncpg", "urllib3"))
        storage = build_storage(settings)
        if settings.storage_backend == "s3":
            # S3Storage's own method (TracedStorage forwards it); Storage does not declare it.
            await wait_for_storage(storage.ensure_bucket)  # pyright: ignore[reportAttributeAccessIssue]
        WorkerContext(
            settings=settings,
            engine=create_engine(settings, pool_size=min(settings.worker_concurrency + 2, 20)),
            storage=AsyncStorage(storage),
            redis=ctx["redis"],  # arq's pool, set before on_startup
        ).store(ctx)
        port = serve_metrics(settings.worker_metrics_host, settings.worker_metrics_port,
                             settings.redis_url, settings.queue_name, settings.redis_timeout)
        log.info("worker metrics", url=f"http://{settings.worker_metrics_host}:{port}/metrics")

    async def shutdown(ctx: ArqContext) -> None:
        context = WorkerContext.stored(ctx)
        if context is not None:
            await context.engine.dispose()
        tracing.shutdown()  # flush the spans of the last jobs

    def job(coroutine: WorkerCoroutine, name: str) -> Function:
        return func(coroutine, name=name, max_tries=settings.worker_max_tries,
                    timeout=settings.worker_job_timeout_seconds)

    return {
        "functions": [
            job(process_file, queue.PROCESS_FILE),
            job(welcome_email, queue.WELCOME_EMAIL),
            job(verification_email, queue.VERIFICATION_EMAIL),
            job(password_reset_email, queue.PASSWORD_RESET_EMAIL),
            job(export_posts, queue.EXPORT_POSTS),
        ],
        "cron_jobs": [
            cron(sweep, **every(settings.worker_sweep_interval_seconds), run_at_startup=True),
            cron(cleanup, **every(settings.worker_cleanup_interval_seconds), run_at_startup=True),
        ],
        "redis_settings": _redis_settings(settings),
        "queue_name": settings.queue_name,
        "job_serializer": queue.serialize,
        "job_deserializer": queue.deserialize,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "max_jobs": settings.worker_concurrency,
        "job_timeout": settings.worker_job_timeout_seconds,
        "max_tries": settings.worker_max_tries,
        "job_completion_wait": settings.worker_shutdown_grace_seconds,
        "keep_result": 3600,
    }


def run(settings: Settings | None = None) -> None:
    from worker.reconnect import ReconnectingWorker as Worker

    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    Worker(**worker_options(settings)).run()


def __getattr__(name: str) -> Any:
    # ``arq worker.main.WorkerSettings``: built on first access, from the environment.
    if name == "WorkerSettings":
        return type("WorkerSettings", (), worker_options(get_settings()))
    raise AttributeError(name)
