"""Slow clients (issue 12, "Faults"): fifty connections that trickle their headers one
byte a second must not delay anyone else's request past a second, on either stack as it
is served in production (FastAPI: uvicorn; Django: gunicorn with ``gunicorn.conf.py``,
two worker processes as the suite runs it).

Each slow connection sends its first bytes at once: a server that hands a connection to
a thread as soon as it becomes readable (gunicorn's ``gthread``) then has that thread
blocked reading headers that never finish, and eight of them starve two processes of
four threads. The normal requests start once every slow connection has sent something.
"""

from __future__ import annotations

import socket
import time

import httpx

from tests.support.api import new_account
from tests.support.slow_sockets import SlowSockets

SLOW_CONNECTIONS = 50
NORMAL_REQUESTS = 20
BOUND = 1.0  # seconds, the contract's bound for a normal request while slow clients wait
TRICKLE = 1.0  # seconds between two bytes of a slow client
HOLD = 30.0  # the slow clients give up after this long whatever happens (bounded loop)


class Trickle(SlowSockets):
    """``count`` connections each sending a request line and then one header byte every
    ``TRICKLE`` seconds, never finishing, until the block ends (or ``HOLD`` seconds)."""

    def _run(self) -> None:
        for _ in range(self.count):
            s = socket.create_connection(self.address, timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            self.sockets.append(s)
        self.ready.set()
        deadline = time.monotonic() + HOLD
        while not self._stop.wait(TRICKLE) and time.monotonic() < deadline:
            for s in self.sockets:
                try:
                    s.sendall(b"a")
                except OSError:
                    pass  # the server may close a connection it judged too slow: fine


def test_slow_clients_do_not_delay_normal_requests(stack):
    account = new_account(stack.auth)
    path = f"/users/{account.id}"
    assert stack.get(path, headers=account.headers).status_code == 200  # warm

    with Trickle(stack.url(path), SLOW_CONNECTIONS):
        time.sleep(2 * TRICKLE)  # every slow connection has been taken by the server
        timings = []
        for _ in range(NORMAL_REQUESTS):
            started = time.monotonic()
            # A new connection each time: which worker process takes it is the kernel's
            # choice, so no request is spared by riding a connection a free one holds.
            response = httpx.get(stack.url(path), headers=account.headers, timeout=10)
            timings.append(time.monotonic() - started)
            assert response.status_code == 200, response.text
    slowest = max(timings)
    print(f"{stack.name}: {NORMAL_REQUESTS} requests beside {SLOW_CONNECTIONS} slow "
          f"clients, slowest {slowest:.3f} s")
    assert slowest < BOUND
