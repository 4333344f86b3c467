"""The in-flight limit in front of Django (``admin_service.inflight``): slots are handed
out in arrival order, a wait ends at its timeout with a 503 problem, and the probes that
touch no database never queue. Real threads, as gthread runs it (gevent patches the same
primitives into greenlet ones)."""

from __future__ import annotations

import threading
import time
from typing import Any

import orjson

from admin_service.inflight import FairSlots, InFlightLimit
from saaskit.settings import Settings


def test_slots_go_to_waiters_in_arrival_order():
    slots = FairSlots(1)
    assert slots.acquire(timeout=1)
    order: list[int] = []
    threads = []
    for i in range(5):
        def wait(i=i):
            assert slots.acquire(timeout=10)
            order.append(i)
            slots.release()
        t = threading.Thread(target=wait)
        t.start()
        threads.append(t)
        while len(slots._waiters) < i + 1:  # each one queued before the next arrives
            time.sleep(0.001)
    slots.release()
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2, 3, 4]


def test_a_wait_that_times_out_leaves_the_queue():
    slots = FairSlots(1)
    assert slots.acquire(timeout=1)
    assert not slots.acquire(timeout=0.05)
    assert not slots._waiters
    slots.release()
    assert slots.acquire(timeout=0)  # the freed slot was not handed to the one that left


def _call(app, path: str) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = app({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, start_response)
    data = b"".join(body)
    getattr(body, "close", lambda: None)()
    return seen["status"], seen["headers"], data


def test_a_request_that_cannot_get_a_turn_is_a_503_problem_and_probes_skip_the_queue():
    entered, leave = threading.Event(), threading.Event()

    def django(environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            entered.set()
            leave.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    app = InFlightLimit(django, Settings(max_concurrent_requests=1, request_queue_timeout=0.1))
    holder = threading.Thread(target=_call, args=(app, "/slow"))
    holder.start()
    assert entered.wait(10)
    try:
        status, headers, body = _call(app, "/users/1")
        assert status.startswith("503")
        assert headers["Content-Type"] == "application/problem+json"
        assert headers["Retry-After"] == "1"
        assert orjson.loads(body)["status"] == 503
        assert _call(app, "/healthz")[0].startswith("200")  # never queued
    finally:
        leave.set()
        holder.join(10)
    assert _call(app, "/users/1")[0].startswith("200")  # the slot came back on close
