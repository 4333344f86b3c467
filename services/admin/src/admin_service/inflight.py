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

An upload (``POST /files``) does not queue at the door: its body streams into the view's
temporary file with no slot held, and the view takes its slot once the body is in, for
the database work (``hold_slot``; the slot is then released with the response, as for
any request). The body must arrive in time (``UploadDeadline``): within
``upload_read_timeout`` seconds plus one second per ``upload_min_bytes_per_second`` bytes
received, else 408 problem+json and the connection is closed. Before, 25 uploads
trickled at one byte a second held the four slots and every other request got 503 after
``request_queue_timeout`` (issue 26, item 12).

A request that waits on no database for long, a password hash, hands its slot back for
the while (``slot_handed_back``): logins that queued for the hashing pool once held
every slot, and an ``/auth/me`` behind them waited for all of their hashes.

``/healthz`` and ``/metrics`` do not queue: they touch no database, and a liveness probe
that waited behind a burst would get a busy pod restarted.
"""

from __future__ import annotations

import io
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from admin_service.api.chunked import UPLOAD_PATHS
from saaskit.problems import PROBLEM_JSON, ProblemError, problem
from saaskit.settings import Settings

UNQUEUED_PATHS = frozenset({"/healthz", "/metrics"})
RETRY_AFTER = "1"
BUSY = "the server is busy, try again shortly"
SLOT_KEY = "admin_service.inflight.slot"


def hold_slot(environ: dict[str, Any]) -> None:
    """In an upload view, once its body is read: take this request's in-flight slot
    (503 problem if none frees up in time). Without ``InFlightLimit`` (Django's test
    client), nothing to take."""
    slot = environ.get(SLOT_KEY)
    if slot is not None:
        slot.acquire()


class InFlightLimit:
    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.limit = settings.max_concurrent_requests or settings.database_pool_size
        self.timeout = settings.request_queue_timeout
        self.body_limit = settings.max_body_bytes
        self.upload_timeout = settings.upload_read_timeout
        self.upload_rate = settings.upload_min_bytes_per_second
        self._slots = FairSlots(self.limit)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in UNQUEUED_PATHS:
            return self.app(environ, start_response)
        if environ.get("PATH_INFO") in UPLOAD_PATHS and environ.get("REQUEST_METHOD") == "POST":
            return self._upload(environ, start_response)
        self._read_body_first(environ)
        if not self._slots.acquire(timeout=self.timeout):
            return self._busy(start_response)
        return self._run(_Slot(self._slots, self.timeout, held=True), environ, start_response)

    def _upload(self, environ, start_response):
        slot = environ[SLOT_KEY] = _Slot(self._slots, self.timeout, held=False)
        environ["wsgi.input"] = UploadDeadline(
            environ["wsgi.input"], self.upload_timeout, self.upload_rate
        )
        return self._run(slot, environ, start_response)

    def _run(self, slot: _Slot, environ, start_response):
        _local.slot = slot
        try:
            response = self.app(environ, start_response)
        except BaseException:
            slot.release()
            raise
        finally:
            _local.slot = None
        return _ReleasedOnClose(response, slot.release)

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
        body = orjson.dumps(problem(503, BUSY))
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


class _Slot:
    """The slot a request holds: taken at the door, or by an upload's view once its body
    is in (``hold_slot``); handed back for a hash (``slot_handed_back``); released once,
    whichever comes last, with the response."""

    def __init__(self, slots: FairSlots, timeout: float, *, held: bool) -> None:
        self.slots = slots
        self.timeout = timeout
        self.held = held

    def acquire(self) -> None:
        if self.held:
            return
        if not self.slots.acquire(timeout=self.timeout):
            raise ProblemError(503, BUSY, headers={"Retry-After": RETRY_AFTER})
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self.slots.release()


_local = threading.local()  # gevent's patch makes it greenlet-local


@contextmanager
def slot_handed_back() -> Iterator[None]:
    """Run the block without the request's slot: for work that holds no database
    connection and takes long (a password hash, ``admin_service.accounts.hashing``).
    Another request runs meanwhile; the slot is taken again, in turn, after the block,
    or the request ends with the same 503 as one that never got a slot. Outside a
    request (a shell, a test) it does nothing."""
    slot: _Slot | None = getattr(_local, "slot", None)
    if slot is None or not slot.held:
        yield
        return
    slot.release()
    yield
    slot.acquire()


def _gevent_timeout():
    """gevent's Timeout when the worker is gevent's (the shipped one), else None."""
    try:
        from gevent import Timeout, monkey
    except ImportError:  # pragma: no cover - gevent is a dependency of the service
        return None
    return Timeout if monkey.is_module_patched("socket") else None


class _Late(Exception):
    """gevent's Timeout fired during an upload's read."""


def body_timeout() -> ProblemError:
    return ProblemError(
        408, "the request body did not arrive in time", headers={"Connection": "close"}
    )


class UploadDeadline:
    """``wsgi.input`` of an upload, read against a deadline that grows with the bytes
    received: ``timeout`` seconds, plus one per ``rate`` bytes received so far; past it,
    408 (``ProblemError``, which the view's exception handler answers). A client sending
    at ``rate`` keeps ``timeout`` seconds ahead of it, more than one 64 KiB read of Django's
    multipart parser takes at 8 KiB/s. Under gevent the wait itself is cut off at the deadline;
    under a threaded worker (``GUNICORN_WORKER_CLASS=gthread``, not the shipped one) a
    read is only judged once it returns."""

    def __init__(self, stream, timeout: float, rate: int) -> None:
        self._stream = stream
        self._timeout = timeout
        self._rate = rate
        self._received = 0
        self._started = time.monotonic()
        self._gevent_timeout = _gevent_timeout()

    def _allowed(self) -> float:
        earned = self._timeout + self._received / self._rate
        return self._started + earned - time.monotonic()

    def _guarded(self, read) -> bytes:
        allowed = self._allowed()
        if allowed <= 0:
            raise body_timeout()
        if self._gevent_timeout is None:
            data = read()
        else:
            try:
                with self._gevent_timeout(allowed, _Late):
                    data = read()
            except _Late:
                raise body_timeout() from None
        self._received += len(data)
        if self._allowed() < 0:
            raise body_timeout()
        return data

    def read(self, size: int = -1) -> bytes:
        return self._guarded(lambda: self._stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._guarded(lambda: self._stream.readline(size))

    def __iter__(self):
        while line := self.readline(65536):
            yield line


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
