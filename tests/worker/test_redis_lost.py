"""Redis killed under a running worker (issue 12, "Faults"): the worker stays up, retries
with backoff, and runs a job queued once Redis is back (on the same port, as a
supervisor would restart it)."""

from __future__ import annotations

import time

import pytest

from devstack.net import free_port
from devstack.redis import EmbeddedRedis
from saaskit import queue
from tests.support.api import new_account
from tests.worker.conftest import job_finished, wait_for
from tests.worker.test_export_and_maintenance import queue_job

OUTAGE = 4.0


@pytest.mark.slow
def test_the_worker_outlives_a_redis_restart(auth_url, start_worker, worker_settings, tmp_path):
    port = free_port()
    redis_server = EmbeddedRedis(tmp_path / "redis", port, durable=False)
    redis_server.start(tmp_path / "redis.log")
    settings = worker_settings.model_copy(update={"redis_url": redis_server.url()})
    owner = new_account(auth_url)
    try:
        worker = start_worker(redis_url=settings.redis_url)
        redis_server._process.kill()
        redis_server._process.wait(10)
        time.sleep(OUTAGE)
        alive = worker.proc.poll() is None
        redis_server.start(tmp_path / "redis.log")
        job_id = queue_job(settings, owner.id, queue.EXPORT_POSTS)
        status, attempts, _, error = wait_for(lambda: job_finished(settings, job_id), timeout=30,
                                              what="job after the restart")
    finally:
        redis_server.stop()
    log = worker.log_path.read_text()
    assert alive, log[-2000:]
    assert (status, attempts, error) == ("succeeded", 1, None)
    assert "redis unreachable; polling again later" in log
