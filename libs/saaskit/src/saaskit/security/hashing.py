"""Password hashing off the request path, bounded: a pool of real OS threads sized to
the CPU, a bounded queue in front of it, and a 503 past that.

Invariant: in one process at most ``workers`` argon2 computations run at once (default:
its share of the CPUs, ``default_workers``) and at most ``queue_limit`` more wait their turn; one more
is refused at once with 503 problem+json and ``Retry-After``. Why: argon2id is memory-
and CPU-hard on purpose (64 MiB and tens of milliseconds a hash by default). Run
unbounded (``anyio.to_thread``'s 40 threads, or inline), 40 concurrent logins made 40
hashes at once: RSS climbed from 112 to 724 MB and every one of them took 20 times as
long, while holding a database connection, so the pool ran dry and logins got 503s
that blamed the database. Hashing in more threads than there are CPUs buys no
throughput, only memory and latency; a queue that cannot grow keeps a burst's tail a
quick, honest 503 instead of a slow one.

The callers must hold no database connection while they wait here (the pool is for
work that needs the database), and must not block their event loop: asyncio awaits the
future (``run``); a thread or greenlet waits on it (``call``). Under gevent the executor
must be gevent's own ``ThreadPoolExecutor`` (native threads; its futures wait
cooperatively): the standard one would, once threading is monkey-patched, run the hash
in a greenlet of the same loop and stall every other request of the process. argon2-cffi
releases the GIL while it hashes, so the threads do run in parallel.

Framework-free: the FastAPI auth service and the Django twin each pass the executor
their runtime needs (``from_settings`` picks it).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

from saaskit.problems import ProblemError
from saaskit.settings import Settings

T = TypeVar("T")
BUSY_DETAIL = "too many logins at once, try again shortly"
RETRY_AFTER = 1


def busy() -> ProblemError:
    return ProblemError(503, BUSY_DETAIL, headers={"Retry-After": str(RETRY_AFTER)})


def cpu_count() -> int:
    """The CPUs this process may run on (a container's cpuset, not the node's cores)."""
    return len(os.sched_getaffinity(0)) or 1


def default_workers() -> int:
    """This process's share of the CPUs: uvicorn and gunicorn both run
    ``WEB_CONCURRENCY`` processes (the chart sets it from the CPU limit), and a pool of
    every CPU in each of them made processes x CPUs hashes at once; their contention
    slowed everything else on the box, a new database connection included."""
    try:
        processes = max(1, int(os.environ.get("WEB_CONCURRENCY") or 1))
    except ValueError:
        processes = 1
    return max(1, cpu_count() // processes)


def _gevent_patched() -> bool:
    try:
        from gevent import monkey
    except ImportError:
        return False
    return monkey.is_module_patched("threading")


class HashingPool:
    """``workers`` threads of ``executor`` and room for ``queue_limit`` more waiting."""

    def __init__(self, executor: Executor, workers: int, queue_limit: int) -> None:
        self.workers = workers
        self.queue_limit = queue_limit
        self.capacity = workers + queue_limit
        self._executor = executor
        # Taken only by the submitting thread or greenlet and by done callbacks; under
        # gevent both run on the hub's thread (a gevent future calls back there).
        self._lock = threading.Lock()
        self._pending = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> HashingPool:
        workers = settings.password_hash_workers or default_workers()
        executor: Executor
        if _gevent_patched():
            from gevent.threadpool import ThreadPoolExecutor as NativeThreads

            executor = NativeThreads(max_workers=workers)
        else:
            executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        return cls(executor, workers, settings.password_hash_queue)

    @property
    def pending(self) -> int:
        """Hashes running or waiting now."""
        return self._pending

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Queue ``fn(*args)``; raise the 503 when ``capacity`` are pending already."""
        with self._lock:
            if self._pending >= self.capacity:
                raise busy()
            self._pending += 1
        try:
            future = self._executor.submit(fn, *args)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: object) -> None:
        with self._lock:
            self._pending -= 1

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the pool, awaited: the event loop serves others meanwhile.
        A cancelled caller does not cancel a hash already running; its slot frees
        when the hash ends."""
        return await asyncio.wrap_future(self.submit(fn, *args))

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the pool, waited for by a thread (or, under gevent, a greenlet)."""
        return self.submit(fn, *args).result()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
