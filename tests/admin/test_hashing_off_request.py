"""Issue 26.3 on the Django twin, in this process on its own database: while argon2
runs for a login, a registration or a password change the request holds no database
connection (``connection.connection`` is None: it went back to the pool) and no
in-flight slot (another request can take it), and the hash runs in the kit's pool, not
on the calling thread; a full pool is a 503 with ``Retry-After``. No timing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from saaskit.problems import ProblemError
from saaskit.security.hashing import HashingPool
from saaskit.security.passwords import PasswordService
from saaskit.settings import Settings
from tests.support.api import PASSWORD, unique_username


class RecordingPasswords(PasswordService):
    """The real hasher (cheap parameters); each hash and verify notes, as it runs,
    whether Django holds a connection and on which thread it runs."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_kib=8, parallelism=1)
        self.seen: list[tuple[str, bool, int]] = []

    def _note(self, what: str) -> None:
        from django.db import connection

        self.seen.append((what, connection.connection is not None, threading.get_ident()))

    def hash(self, password: str) -> str:
        self._note("hash")
        return super().hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self._note("verify")
        return super().verify(password_hash, password)


@pytest.fixture
def hashing_parts(django_setup, monkeypatch):
    from admin_service import runtime

    passwords = RecordingPasswords()
    pool = HashingPool(ThreadPoolExecutor(max_workers=1), workers=1, queue_limit=0)
    monkeypatch.setattr(runtime, "passwords", lambda: passwords)
    monkeypatch.setattr(runtime, "hashing", lambda: pool)
    yield passwords, pool
    pool.shutdown()


def test_register_login_and_password_change_hash_holding_no_connection(hashing_parts):
    from admin_service.accounts import lifecycle, services

    passwords, _ = hashing_parts
    name = unique_username("djhold")
    user = services.register(email=f"{name}@example.com", username=name, password=PASSWORD, full_name=None)
    assert services.authenticate(name, PASSWORD) == user.id
    with pytest.raises(ProblemError) as wrong:
        services.authenticate(f"{name}@example.com", "wrong pass 1")
    assert wrong.value.status == 401
    lifecycle.change_password(user.id, PASSWORD, "another horse 7")
    assert services.authenticate(name.upper(), "another horse 7") == user.id
    assert len(passwords.seen) >= 6 and {"hash", "verify"} <= {what for what, _, _ in passwords.seen}
    assert [held for _, held, _ in passwords.seen] == [False] * len(passwords.seen)
    assert threading.get_ident() not in {thread for _, _, thread in passwords.seen}


def test_a_full_hashing_pool_is_a_503_with_retry_after(hashing_parts):
    from admin_service.accounts import services

    passwords, pool = hashing_parts
    release = threading.Event()
    held = pool.submit(release.wait, 30)
    try:
        with pytest.raises(ProblemError) as busy:
            services.authenticate(unique_username(), PASSWORD)
    finally:
        release.set()
        held.result(timeout=30)
    assert busy.value.status == 503 and busy.value.headers == {"Retry-After": "1"}
    assert passwords.seen == []


def test_a_request_hands_its_slot_back_while_it_hashes():
    """Inside ``slot_handed_back`` another request gets the only slot at once; after the
    block the request has its slot again (and gives it back once, at the end)."""
    from admin_service import inflight

    seen: dict[str, bool] = {}

    def app(environ, start_response):
        limit = environ["test.limit"]
        seen["busy_before"] = not limit._slots.acquire(timeout=0)
        with inflight.slot_handed_back():
            seen["free_inside"] = limit._slots.acquire(timeout=0)
            limit._slots.release()
        seen["busy_after"] = not limit._slots.acquire(timeout=0)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    limit = inflight.InFlightLimit(app, Settings(max_concurrent_requests=1, database_pool_size=1))
    environ = {"PATH_INFO": "/auth/token", "REQUEST_METHOD": "POST", "test.limit": limit}
    body = limit(environ, lambda status, headers: None)
    assert b"".join(body) == b"ok"
    body.close()  # pyright: ignore[reportAttributeAccessIssue] - the limit's own response wrapper
    assert seen == {"busy_before": True, "free_inside": True, "busy_after": True}
    assert limit._slots.acquire(timeout=0)  # released once at the end, not twice
    assert not limit._slots.acquire(timeout=0)
