"""A running job's lock is short and renewed while the job runs, so the job of a worker
that died is run again within ``worker_lock_seconds``, not after the job timeout.

arq marks a running job with an in-progress key that lives the job timeout + 10 s
(310 s here) and offers no renewal: a job whose worker was SIGKILLed waits that long
before any other worker may take it. While a job runs, ``held`` re-arms that key to
``lock_seconds`` at once and then every third of it; a live worker's job keeps its lock
(it would have to miss three renewals in a row to lose it), a dead worker's lock lapses
within ``lock_seconds`` and the next poll of another worker runs the job again. arq
still delivers at least once, and each handler's effect is idempotent
(``worker.lifecycle``), so the second run completes the job exactly once.

A renewal that fails (Redis unreachable) is logged and retried at the next beat; if
Redis stays away longer than the lock, another worker may start the same job: accepted,
for the same reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import redis.exceptions
from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix

from saaskit.logging import get_logger

log = get_logger(__name__)


async def _renew(pool: ArqRedis, key: str, lock_seconds: float) -> None:
    while True:
        try:
            await pool.pexpire(key, int(lock_seconds * 1000))
        except (redis.exceptions.RedisError, OSError) as exc:
            log.warning("could not renew the job's lock", key=key, error=type(exc).__name__)
        await asyncio.sleep(lock_seconds / 3)


@asynccontextmanager
async def held(pool: ArqRedis, arq_job_id: str, lock_seconds: float) -> AsyncIterator[None]:
    """Keep arq's lock of the job ``arq_job_id`` alive while the block runs."""
    beat = asyncio.create_task(_renew(pool, in_progress_key_prefix + arq_job_id, lock_seconds))
    try:
        yield
    finally:
        beat.cancel()
        with suppress(asyncio.CancelledError):
            await beat
