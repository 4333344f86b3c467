"""Password hashes off the request: in the kit's bounded pool of native threads
(``saaskit.security.hashing``), holding no database connection and no in-flight slot.

Invariant: while argon2 runs for a request, that request holds nothing another request
needs. Its database connection goes back to the pool first (``connection.close()``: with
Django's psycopg pool that returns it; the next query takes one again), its in-flight
slot is handed to the next request (``inflight.slot_handed_back``), and the hash runs
in one of gevent's native threads, which the greenlet waits on cooperatively. Inline, a
hash held its process's gevent loop for its whole duration: other requests' median went
from 6 to 520 ms under 40 concurrent logins. Never call it inside ``transaction.atomic``:
the connection cannot be given back there (``AssertionError``, a bug to fix at the caller).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection

from admin_service import inflight, runtime

T = TypeVar("T")


def off_request(fn: Callable[..., T], *args: Any) -> T:
    assert not connection.in_atomic_block, "a hash must not run inside a transaction"
    connection.close()
    with inflight.slot_handed_back():
        return runtime.hashing().call(fn, *args)
