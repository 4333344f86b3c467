"""One try of a job, around its handler: the ``jobs`` row goes queued -> running ->
succeeded | failed, ``attempts`` counts the tries, and errors are sorted into

- transient (database, Redis, storage or SMTP unreachable): the row goes back to
  ``queued`` and arq retries with exponential backoff, until ``max_tries``;
- permanent (``PermanentError``: bad payload, missing user...) and unexpected errors:
  the row ends ``failed`` with the reason in ``jobs.error``.

A job whose handler has an ``on_failure`` hook gets it called, with the reason, whenever
the row ends ``failed`` (permanent, unexpected, or transient on the last try): for
``process_file`` that marks the file ``rejected``, so a file never stays ``pending``
because its processing blew up (a ``RecursionError`` on a deep JSON once did exactly
that). The hook runs after the row is marked; if it fails too (the database is what is
down), that is logged and the cleanup's TTL for pending uploads is the backstop.

arq delivers at least once; a row already finished is not run again, and every handler
makes its effect idempotent for the case where a try died after the effect but before
the row was marked.

Each try is one span (``saaskit.tracing.job_span``), the child of the span that queued
the job, so the job's SQL and storage calls join the request's trace; and each try ends
in exactly one outcome of ``worker_jobs_total`` (succeeded, retried, failed, or skipped
when the row was already finished).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiosmtplib
import redis.exceptions
from arq import Retry
from sqlalchemy import func, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine

from saaskit import tracing
from saaskit.db.failures import is_connection_failure
from saaskit.db.schema import jobs
from saaskit.logging import get_logger
from saaskit.storage import StorageUnavailable
from worker import heartbeat, metrics
from worker.context import ArqContext, JobTry, WorkerContext

log = get_logger(__name__)


class PermanentError(Exception):
    """The job cannot succeed, however often it is tried; the message goes to jobs.error."""


class TransientError(Exception):
    """Worth another try later."""


TRANSIENT = (
    TransientError, StorageUnavailable, OperationalError, InterfaceError, PoolTimeoutError,
    redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
    aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError,
    ConnectionError, asyncio.TimeoutError, OSError,
)


def _is_transient(exc: BaseException) -> bool:
    return is_connection_failure(exc) or isinstance(exc, TRANSIENT)


@dataclass(frozen=True)
class JobRow:
    id: int
    type: str
    owner_id: int
    payload: dict[str, Any]
    attempts: int


JobResult = dict[str, Any] | None
"""What a handler returns: stored in ``jobs.result`` (JSON)."""

Handler = Callable[[WorkerContext, JobRow], Awaitable[JobResult]]
OnFailure = Callable[[WorkerContext, JobRow, str], Awaitable[None]]
"""Called when the job has failed for good, with a reason fit for the job's owner."""


async def _claim(engine: AsyncEngine, job_id: int) -> JobRow | None:
    async with engine.begin() as conn:
        row = (await conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id, jobs.c.status.in_(("queued", "running")))
            .values(status="running", attempts=jobs.c.attempts + 1, started_at=func.now(),
                    error=None)
            .returning(jobs.c.id, jobs.c.type, jobs.c.owner_id, jobs.c.payload, jobs.c.attempts)
        )).one_or_none()
    return JobRow(**row._mapping) if row else None


async def _mark(engine: AsyncEngine, job_id: int, **values: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))


async def _finish(engine: AsyncEngine, job_id: int, status: str, **values: Any) -> None:
    await _mark(engine, job_id, status=status, finished_at=func.now(), **values)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:500] if text else type(exc).__name__


async def run(ctx: ArqContext, name: str, job_id: int, handler: Handler,
              trace: dict[str, str] | None = None, on_failure: OnFailure | None = None) -> JobResult:
    worker, job_try = WorkerContext.of(ctx), JobTry.of(ctx)
    settings = worker.settings
    with tracing.job_span(name, settings.queue_name, job_id, trace, job_try.number):
        async with heartbeat.held(worker.redis, job_try.arq_job_id, settings.worker_lock_seconds):
            return await _run(worker, name, job_id, handler, job_try.number, on_failure)


async def _failed(worker: WorkerContext, name: str, job_id: int, row: JobRow | None,
                  error: str, on_failure: OnFailure | None) -> None:
    """Mark the row failed with ``error``, then let the job's ``on_failure`` record it
    where its owner looks (only once the row was claimed: its payload says what for)."""
    await _finish(worker.engine, job_id, "failed", error=error[:1000])
    if on_failure is None or row is None:
        return
    try:
        await on_failure(worker, row, error)
    except Exception:  # noqa: BLE001 - logged; the pending-upload TTL is the backstop
        log.exception("the job's failure hook failed", job_id=job_id, function=name)


async def _run(worker: WorkerContext, name: str, job_id: int, handler: Handler,
               job_try: int, on_failure: OnFailure | None = None) -> JobResult:
    engine = worker.engine
    settings = worker.settings
    started = time.perf_counter()
    outcome = metrics.FAILED
    row: JobRow | None = None
    try:
        row = await _claim(engine, job_id)
        if row is None:
            log.info("job already finished or gone; nothing to do", job_id=job_id)
            outcome = metrics.SKIPPED
            return None
        result = await handler(worker, row)
        await _finish(engine, job_id, "succeeded", result=result)
        outcome = metrics.SUCCEEDED
    except PermanentError as exc:
        log.warning("job failed", job_id=job_id, function=name, reason=str(exc))
        await _failed(worker, name, job_id, row, str(exc), on_failure)
        return None
    except Exception as exc:
        if not _is_transient(exc):
            log.exception("job failed unexpectedly", job_id=job_id, function=name)
            error = f"unexpected error ({type(exc).__name__})"
            await _failed(worker, name, job_id, row, error, on_failure)
            return None
        if job_try >= settings.worker_max_tries:
            log.warning("job failed: no tries left", job_id=job_id, function=name,
                        error=_reason(exc))
            error = f"gave up after {job_try} tries: {_reason(exc)}"
            await _failed(worker, name, job_id, row, error, on_failure)
            return None
        delay = settings.worker_retry_backoff_seconds * 2 ** (job_try - 1)
        log.warning("job will be retried", job_id=job_id, function=name, try_=job_try,
                    delay=delay, error=_reason(exc))
        try:
            await _mark(engine, job_id, status="queued", error=f"retrying: {_reason(exc)}")
        except Exception:  # noqa: BLE001 - the database may be what is down
            log.warning("could not mark the job queued", job_id=job_id)
        outcome = metrics.RETRIED
        raise Retry(defer=delay) from exc
    finally:
        seconds = time.perf_counter() - started
        metrics.observe_try(name, outcome, seconds)
        log.info("job try ended", job_id=job_id, function=name, outcome=outcome, seconds=round(seconds, 4))
    return result
