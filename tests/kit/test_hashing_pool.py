"""The bounded hashing pool (``saaskit.security.hashing``, issue 26.3): at most
``workers`` hashes run and ``queue_limit`` wait; one more is a 503 problem with
``Retry-After`` at once; a slot frees when its hash ends, whoever waited for it; and
under gevent the hash runs in a native thread while the loop serves other greenlets.
No timing: the tests hold the hashes on events."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from saaskit.problems import ProblemError
from saaskit.security.hashing import BUSY_DETAIL, HashingPool
from saaskit.settings import Settings


@pytest.fixture
def pool():
    hashing = HashingPool(ThreadPoolExecutor(max_workers=2), workers=2, queue_limit=3)
    yield hashing
    hashing.shutdown()


def test_past_workers_plus_queue_a_hash_is_a_503_with_retry_after(pool):
    release = threading.Event()
    held = [pool.submit(release.wait, 30) for _ in range(pool.capacity)]
    assert pool.pending == 5
    with pytest.raises(ProblemError) as refused:
        pool.submit(release.wait, 30)
    assert refused.value.status == 503 and refused.value.detail == BUSY_DETAIL
    assert refused.value.headers == {"Retry-After": "1"}
    release.set()
    assert all(f.result(timeout=30) for f in held)
    # The slots free as the hashes end (their callbacks run on the pool's threads).
    for _ in range(1000):
        if pool.pending == 0:
            break
        threading.Event().wait(0.01)
    assert pool.pending == 0
    assert pool.submit(lambda: 42).result(timeout=30) == 42


async def test_an_awaited_hash_leaves_the_loop_free_and_a_cancelled_wait_keeps_its_slot(pool):
    import asyncio

    release = threading.Event()
    waiting = asyncio.ensure_future(pool.run(release.wait, 30))
    await asyncio.sleep(0)  # the loop runs on while the hash is held
    assert pool.pending == 1 and not waiting.done()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert pool.pending == 1  # the hash still runs: its slot is still taken
    release.set()
    for _ in range(1000):
        if pool.pending == 0:
            break
        await asyncio.sleep(0.01)
    assert pool.pending == 0


def test_sized_to_the_cpus_by_default(monkeypatch):
    import os

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    hashing = HashingPool.from_settings(Settings(password_hash_queue=7))
    try:
        assert hashing.workers == len(os.sched_getaffinity(0))
        assert hashing.capacity == hashing.workers + 7
    finally:
        hashing.shutdown()
    monkeypatch.setenv("WEB_CONCURRENCY", str(2 * len(os.sched_getaffinity(0))))
    shared = HashingPool.from_settings(Settings())
    try:
        assert shared.workers == 1  # processes share the CPUs, at least one thread each
    finally:
        shared.shutdown()


GEVENT_PROBE = textwrap.dedent("""
    from gevent import monkey
    monkey.patch_all()
    import gevent
    original_event = monkey.get_original("threading", "Event")
    native_ident = monkey.get_original("threading", "get_ident")
    from saaskit.security.hashing import HashingPool
    from saaskit.settings import Settings

    pool = HashingPool.from_settings(Settings(password_hash_workers=1))
    main = native_ident()
    release = original_event()  # a native event: the hash's thread is a real thread

    def hash_like():
        assert release.wait(20), "the loop never ran the greenlet that releases the hash"
        return native_ident()

    ticks = []
    def other_request():  # another greenlet, served while the hash waits
        ticks.append(1)
        release.set()

    gevent.spawn_later(0.01, other_request)
    worker = pool.call(hash_like)
    print("native-thread" if worker != main else "same-thread", len(ticks))
""")


def test_under_gevent_the_hash_runs_in_a_native_thread_and_the_loop_goes_on():
    """If the hash ran on the loop (inline, or in a monkey-patched "thread", which is a
    greenlet), the greenlet that releases it could never run and the wait would fail."""
    done = subprocess.run([sys.executable, "-c", GEVENT_PROBE], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["native-thread", "1"]
