"""The job queue: arq on Redis, JSON-serialised (never pickle), shared by both stacks.

Every job has a row in the ``jobs`` table; the arq job id is ``job:<row id>`` so the
same row can never be queued twice at once (arq refuses a duplicate id), and the worker
reads and writes the row's status. ``enqueue_sync`` writes arq's Redis format with
redis-py so the Django service queues jobs the same worker reads.

With tracing on, both enqueue paths add a ``trace`` keyword argument: the W3C context of
the producer span (``saaskit.tracing``), which the worker continues. With tracing off
the job is exactly what it was, so the hot path does not change.
"""

from __future__ import annotations

import json
import time
from typing import Any

import redis
from arq.connections import ArqRedis, RedisSettings

from saaskit import tracing

# Function names the worker registers; the jobs table's ``type`` maps onto them.
WELCOME_EMAIL = "welcome_email"
PROCESS_FILE = "process_file"
EXPORT_POSTS = "export_posts"
VERIFICATION_EMAIL = "verification_email"
PASSWORD_RESET_EMAIL = "password_reset_email"

JOB_KEY_PREFIX = "arq:job:"
RESULT_KEY_PREFIX = "arq:result:"
# How long a queued job may wait in Redis before arq drops it (matches arq's default).
EXPIRES_MS = 86_400_000


def serialize(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), default=str).encode()


def deserialize(data: bytes) -> Any:
    return json.loads(data)


def arq_job_id(job_row_id: int) -> str:
    return f"job:{job_row_id}"


def redis_settings(redis_url: str, timeout: float = 1.0) -> RedisSettings:
    settings = RedisSettings.from_dsn(redis_url)
    settings.conn_timeout = max(1, int(timeout))
    settings.conn_retries = 0
    return settings


async def create_queue(redis_url: str, queue_name: str, timeout: float = 1.0) -> ArqRedis:
    """An arq pool that speaks JSON. Unlike ``arq.create_pool`` it does not ping: it
    connects lazily, so a service starts while Redis is down and each call that needs
    Redis then fails within ``timeout`` (and the service answers 503)."""
    pool = ArqRedis.from_url(  # pyright: ignore[reportUnknownMemberType] - redis-py leaves **kwargs unannotated
        redis_url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        encoding="utf8",
    )
    pool.job_serializer = serialize
    pool.job_deserializer = deserialize
    pool.default_queue_name = queue_name
    return pool


async def enqueue(pool: ArqRedis, function: str, job_row_id: int, **kwargs: Any) -> bool:
    """Queue ``function(job_id=<row id>, **kwargs)``; False if that job is already queued."""
    if tracing.enabled():
        with tracing.enqueue_span(function, pool.default_queue_name, job_row_id) as carrier:
            return await _enqueue(pool, function, job_row_id, trace=carrier, **kwargs)
    return await _enqueue(pool, function, job_row_id, **kwargs)


async def _enqueue(pool: ArqRedis, function: str, job_row_id: int, **kwargs: Any) -> bool:
    job = await pool.enqueue_job(function, job_id=job_row_id, _job_id=arq_job_id(job_row_id), **kwargs)
    return job is not None


async def probe(pool: ArqRedis) -> None:
    """One Redis round trip shaped like the first step of an enqueue (does a job hold
    this id?), for a request that queues nothing but must take the time it would have
    taken if it had: a password reset for an address without an account."""
    await pool.exists(JOB_KEY_PREFIX + "none", RESULT_KEY_PREFIX + "none")


def probe_sync(client: redis.Redis) -> None:
    """``probe`` for synchronous code (Django)."""
    client.exists(JOB_KEY_PREFIX + "none", RESULT_KEY_PREFIX + "none")


def enqueue_sync(
    client: redis.Redis, queue_name: str, function: str, job_row_id: int, **kwargs: Any
) -> bool:
    """The same write as arq's ``enqueue_job``, for synchronous code (Django)."""
    if tracing.enabled():
        with tracing.enqueue_span(function, queue_name, job_row_id) as carrier:
            return _enqueue_sync(client, queue_name, function, job_row_id, trace=carrier, **kwargs)
    return _enqueue_sync(client, queue_name, function, job_row_id, **kwargs)


def _enqueue_sync(
    client: redis.Redis, queue_name: str, function: str, job_row_id: int, **kwargs: Any
) -> bool:
    job_id = arq_job_id(job_row_id)
    job_key = JOB_KEY_PREFIX + job_id
    now_ms = int(time.time() * 1000)
    payload = serialize(
        {"t": 1, "f": function, "a": [], "k": {"job_id": job_row_id, **kwargs}, "et": now_ms}
    )
    with client.pipeline(transaction=True) as pipe:  # pyright: ignore[reportUnknownMemberType] - redis-py: shard_hint unannotated
        for _attempt in range(10):  # a WATCH conflict means another writer raced us
            try:
                pipe.watch(job_key)
                if pipe.exists(job_key, RESULT_KEY_PREFIX + job_id):
                    pipe.reset()
                    return False
                pipe.multi()
                pipe.psetex(job_key, EXPIRES_MS, payload)
                pipe.zadd(queue_name, {job_id: now_ms})
                pipe.execute()
                return True
            except redis.WatchError:
                continue
    raise redis.RedisError(f"could not queue {job_id}: too many concurrent writers")
