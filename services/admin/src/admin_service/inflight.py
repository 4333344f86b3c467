"""At most N requests of a process inside Django at once; the others wait their turn.

Invariant: a request holds a database connection from the pool while it runs, and the
pool makes a request wait at most 0.5 s for one before answering 503 (so an outage is a
quick 503, ``admin_service.settings``). Under gevent a process accepts every connection
and would start every request at once: past the pool's size they would time out on the
pool. This WSGI wrapper, outside Django, lets ``max_concurrent_requests`` requests in
(default: the pool's size) and queues the rest, first come first served, for up to
``request_queue_timeout`` seconds, then answers 503 problem+json with ``Retry-After``.
The queue is a FIFO of events that a finishing request hands its slot to: a semaphore
lets a newcomer take a freed slot before the waiter it woke runs, and under load some
requests then waited past the timeout while later ones went through (p99 10.7 s, 503s,
at 64 connections). The locks and events are the threading ones, which gevent's patch
makes greenlet-aware. Under ``gthread`` the thread count already bounds
it and the semaphore never waits.

A request's body (up to ``max_body_bytes``; upload paths excepted, their views stream
under their own limit) is read before it queues: a client that trickles its body then
holds a greenlet, not a slot. Django reads such a body whole into memory anyway.

``/healthz`` and ``/metrics`` do not queue: they touch no database, and a liveness probe
that waited behind a burst would get a busy pod restarted.
"""

from __future__ import annotations

import io
import threading
from collections import deque

import orjson

from admin_service.api.chunked import UPLOAD_PATHS
from saaskit.problems import PROBLEM_JSON, problem
from saaskit.settings import Settings

UNQUEUED_PATHS = frozenset({"/healthz", "/metrics"})
RETRY_AFTER = "1"


class InFlightLimit:
    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.limit = settings.max_concurrent_requests or settings.database_pool_size
        self.timeout = settings.request_queue_timeout
        self.body_limit = settings.max_body_bytes
        self._slots = FairSlots(self.limit)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in UNQUEUED_PATHS:
            return self.app(environ, start_response)
        self._read_body_first(environ)
        if not self._slots.acquire(timeout=self.timeout):
            return self._busy(start_response)
        try:
            response = self.app(environ, start_response)
        except BaseException:
            self._slots.release()
            raise
        return _ReleasedOnClose(response, self._slots.release)

    def _read_body_first(self, environ) -> None:
        if environ.get("PATH_INFO") in UPLOAD_PATHS:
            return
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return  # Django's bad-input guard answers it
        if 0 < length <= self.body_limit:
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(length))

    @staticmethod
    def _busy(start_response):
        body = orjson.dumps(problem(503, "the server is busy, try again shortly"))
        start_response("503 Service Unavailable", [
            ("Content-Type", PROBLEM_JSON),
            ("Content-Length", str(len(body))),
            ("Retry-After", RETRY_AFTER),
            ("X-Content-Type-Options", "nosniff"),
        ])
        return [body]


class FairSlots:
    """``size`` slots handed out in arrival order; ``acquire`` waits at most ``timeout``."""

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._free = size
        self._waiters: deque[threading.Event] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed a slot just as the wait ended: it is ours
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()  # the slot passes straight to the next
            else:
                self._free += 1


class _ReleasedOnClose:
    """The response, iterated by the server; the slot is freed when the server closes it
    (after the last byte is sent, or the client went away), as Django gives its database
    connection back then (``request_finished``)."""

    def __init__(self, response, release) -> None:
        self._response = response
        self._release = release
        self._released = False

    def __iter__(self):
        return iter(self._response)

    def close(self) -> None:
        try:
            close = getattr(self._response, "close", None)
            if close is not None:
                close()
        finally:
            if not self._released:
                self._released = True
                self._release()
