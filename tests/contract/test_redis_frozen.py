"""Redis frozen (SIGSTOP: connections open, nothing answers) while clients start jobs
(issue 12, "Faults"): every ``POST /jobs`` is a 503 that names the queue, never the
database, within a bounded time; no database connection is held while waiting on Redis,
so reads go on; and no job row is left behind. The test's own Redis, since the
session's is shared."""

from __future__ import annotations

import collections
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from devstack.net import free_port
from devstack.redis import EmbeddedRedis
from tests.contract.test_dependencies_down import _own_auth_port, started
from tests.support.api import new_account

JOBS = 10  # more than the pool's 4 connections: holding one across Redis starves the rest
READS = 2
BOUND = 3.0  # seconds: Redis's 1 s timeout, queued behind Django's 8 threads at most twice


@pytest.fixture
def own_redis(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis", free_port(), durable=False)
    server.start(tmp_path / "redis.log")
    try:
        yield server
    finally:
        os.kill(server._process.pid, signal.SIGCONT)
        server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fastapi", "django"])
def test_frozen_redis_is_a_quick_503_naming_the_queue(kind, own_redis, contract_env, tmp_path):
    env = {**_own_auth_port(contract_env), "APP_REDIS_URL": own_redis.url()}
    with started(kind, env, tmp_path) as stack:
        account = new_account(stack.auth)
        assert stack.get(f"/users/{account.id}", headers=account.headers).status_code == 200

        def start_job(_):
            started_at = time.monotonic()
            response = stack.post("/jobs", json={"type": "export_posts"}, headers=account.headers,
                                  timeout=20)
            return response, time.monotonic() - started_at

        def read(_):
            return stack.get(f"/users/{account.id}", headers=account.headers, timeout=20).status_code

        os.kill(own_redis._process.pid, signal.SIGSTOP)
        try:
            with ThreadPoolExecutor(JOBS + READS) as pool:
                job_futures = [pool.submit(start_job, i) for i in range(JOBS)]
                read_futures = [pool.submit(read, i) for i in range(READS)]
                jobs = [f.result() for f in job_futures]
                reads = [f.result() for f in read_futures]
        finally:
            os.kill(own_redis._process.pid, signal.SIGCONT)

    details = collections.Counter(r.json().get("detail") for r, _ in jobs)
    slowest = max(seconds for _, seconds in jobs)
    latencies = sorted(round(seconds, 2) for _, seconds in jobs)
    print(f"{kind}: {JOBS} POST /jobs with Redis frozen: {dict(details)}, seconds {latencies}; "
          f"reads meanwhile {reads}")
    assert [r.status_code for r, _ in jobs] == [503] * JOBS
    assert all(r.headers.get("retry-after") for r, _ in jobs)
    assert all("queue" in detail and "database" not in detail for detail in details)
    assert slowest < BOUND
    assert reads == [200] * READS
    with psycopg.connect(env["APP_DATABASE_URL"]) as conn:
        left = conn.execute("SELECT count(*) FROM jobs WHERE owner_id = %s AND type = 'export_posts'",
                            (account.id,)).fetchone()[0]
    assert left == 0
