"""Issue 26.3 on the FastAPI auth service: no pooled database connection is checked out
while argon2 runs (login, registration, password change), and a full hashing pool is a
503 with ``Retry-After`` before any hash starts. Real PostgreSQL and Redis; the hasher
records how many of the pool's connections are in use at the moment it runs."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from auth_service.auth import lifecycle, service
from auth_service.auth.schemas import RegisterIn
from saaskit import queue
from saaskit.db.database import Database
from saaskit.db.engine import create_engine
from saaskit.problems import ProblemError
from saaskit.ratelimit import AsyncLoginLimiter
from saaskit.security.hashing import HashingPool
from saaskit.security.passwords import PasswordService
from tests.support.api import PASSWORD, unique_username


class RecordingPasswords(PasswordService):
    """The real hasher (cheap parameters); each hash and verify notes the connections in
    use as it runs (``verify_or_dummy`` verifies through ``verify``)."""

    def __init__(self, db: Database) -> None:
        super().__init__(time_cost=1, memory_kib=8, parallelism=1)
        self.db = db
        self.in_use: list[tuple[str, int]] = []

    def _note(self, what: str) -> None:
        self.in_use.append((what, self.db.pool_reading()[0]))

    def hash(self, password: str) -> str:
        self._note("hash")
        return super().hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self._note("verify")
        return super().verify(password_hash, password)


@pytest.fixture
async def parts(settings):
    engine = create_engine(settings)
    db = Database(engine, settings.database_pool_size, settings.database_connect_timeout)
    pool = await queue.create_queue(settings.redis_url, settings.queue_name)
    hashing = HashingPool(ThreadPoolExecutor(max_workers=1), workers=1, queue_limit=0)
    limiter = AsyncLoginLimiter.from_settings(settings)
    yield db, RecordingPasswords(db), hashing, limiter, pool
    hashing.shutdown()
    await limiter.aclose()
    await pool.aclose()
    await engine.dispose()


async def test_register_login_and_password_change_hash_with_no_connection_out(parts):
    db, passwords, hashing, limiter, pool = parts
    username = unique_username("nohold")
    data = RegisterIn(email=f"{username}@example.com", username=username, password=PASSWORD, full_name=None)
    user = await service.register(db, data, passwords, hashing, pool)
    user_id = await service.authenticate(db, limiter, hashing, passwords, username, PASSWORD)
    assert user_id == user["id"]
    with pytest.raises(ProblemError) as wrong:
        await service.authenticate(db, limiter, hashing, passwords, data.email, "wrong pass 1")
    assert wrong.value.status == 401
    await lifecycle.change_password(db, limiter, hashing, passwords, user_id, PASSWORD, "another horse 7")
    assert await service.authenticate(db, limiter, hashing, passwords, username, "another horse 7") == user_id
    kinds = [what for what, _ in passwords.in_use]
    assert kinds == ["hash", "verify", "verify", "verify", "hash", "verify"]
    assert {in_use for _, in_use in passwords.in_use} == {0}


async def test_a_full_hashing_pool_is_a_503_before_any_hash(parts):
    db, passwords, hashing, limiter, _ = parts
    release = threading.Event()
    held = hashing.submit(release.wait, 30)  # the one worker, and no room to queue
    try:
        with pytest.raises(ProblemError) as busy:
            await service.authenticate(db, limiter, hashing, passwords, unique_username(), PASSWORD)
    finally:
        release.set()
        held.result(timeout=30)
    assert busy.value.status == 503
    assert busy.value.headers == {"Retry-After": "1"}
    assert passwords.in_use == []
