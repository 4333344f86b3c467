"""A worker that outlives Redis: arq's poll loop ends the worker at the first Redis
error, so a Redis restart killed every worker (and, under honcho, the whole dev stack).
``ReconnectingWorker`` catches the error in one poll, waits with a doubling delay (1 s,
2 s, ... capped at ``MAX_BACKOFF``, so a worker is back within seconds of Redis), and
polls again; redis-py's pool opens a new connection on the next command. Jobs already
running go on; those that need Redis fail their try as transient and are retried
(``worker.lifecycle``).
"""

from __future__ import annotations

import asyncio

import redis.exceptions
from arq.worker import Worker

from saaskit.logging import get_logger

log = get_logger(__name__)

MAX_BACKOFF = 5.0
REDIS_LOST = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ReconnectingWorker(Worker):
    _backoff = 0.0

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except REDIS_LOST as exc:
            self._backoff = min(max(1.0, self._backoff * 2), MAX_BACKOFF)
            log.warning("redis unreachable; polling again later", retry_in_seconds=self._backoff,
                        error=type(exc).__name__)
            await asyncio.sleep(self._backoff)
            return
        if self._backoff:
            log.info("redis reachable again")
            self._backoff = 0.0
