"""A worker SIGKILLed in the middle of a job: another worker finishes the job within
60 s of starting, exactly once (one export file, the row succeeded on its second try),
with the production job timeout of 300 s (arq alone would wait 310 s for its lock)."""

from __future__ import annotations

import time

import psycopg
import pytest

from saaskit import queue
from saaskit.db.urls import libpq_url
from tests.support.api import new_account
from tests.worker.conftest import job_finished, query, wait_for
from tests.worker.test_export_and_maintenance import queue_job, seed_posts

WITHIN = 60.0


@pytest.mark.slow
def test_a_job_of_a_killed_worker_is_finished_by_another_within_a_minute(
    auth_url, start_worker, worker_settings
):
    owner, other = new_account(auth_url), new_account(auth_url)
    seed_posts(worker_settings, owner.id, other.id)
    production = {"worker_job_timeout_seconds": 300}
    assert worker_settings.worker_lock_seconds < WITHIN

    with psycopg.connect(libpq_url(worker_settings.database_url)) as blocker:
        # The export reads posts: with the table locked, the job stops in its middle.
        blocker.execute("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
        job_id = queue_job(worker_settings, owner.id, queue.EXPORT_POSTS)
        first = start_worker(**production)
        wait_for(lambda: query(worker_settings, "SELECT 1 FROM jobs WHERE id = %s AND "
                               "status = 'running' AND attempts = 1", job_id), what="job started")
        first.kill()
        blocker.rollback()

    start_worker(**production)
    available = time.monotonic()
    status, attempts, result, error = wait_for(
        lambda: job_finished(worker_settings, job_id), timeout=WITHIN, what="job re-run")
    seconds = time.monotonic() - available
    print(f"re-run and finished {seconds:.1f} s after the second worker was up")

    assert (status, attempts, error) == ("succeeded", 2, None)
    assert query(worker_settings, "SELECT id::text FROM files WHERE owner_id = %s", owner.id) == [
        (result["file_id"],)]
    time.sleep(worker_settings.worker_lock_seconds / 3 + 1)  # no third run comes along
    assert query(worker_settings, "SELECT attempts, status FROM jobs WHERE id = %s", job_id) == [
        (2, "succeeded")]
