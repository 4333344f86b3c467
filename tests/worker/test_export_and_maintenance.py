"""``export_posts``, the periodic sweep and cleanup, metrics and graceful shutdown,
through a real worker process."""

from __future__ import annotations

import json
import signal

import httpx
import pytest
import redis

from saaskit import queue
from saaskit.storage import new_key
from tests.files.client import download
from tests.support.api import new_account
from tests.worker.conftest import job_finished, query, wait_for
from tests.worker.smtp_sink import SMTPSink


def seed_posts(settings, author_id: int, other_id: int) -> None:
    query(settings, "INSERT INTO posts (author_id, title, body, created_at) VALUES "
          "(%s, 'first', 'one', now() - interval '1 hour'), (%s, 'second', 'two', now()), "
          "(%s, 'not mine', 'x', now())", author_id, author_id, other_id)
    query(settings, "INSERT INTO comments (post_id, author_id, body) "
          "SELECT id, %s, 'nice ' || title FROM posts WHERE title = 'second'", other_id)


def queue_job(settings, owner_id: int, type_: str, payload: str = "{}") -> int:
    [(job_id,)] = query(settings, "INSERT INTO jobs (owner_id, type, payload) VALUES (%s, %s, %s) "
                        "RETURNING id", owner_id, type_, payload)
    client = redis.Redis.from_url(settings.redis_url)
    assert queue.enqueue_sync(client, settings.queue_name, type_, job_id)
    return job_id


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_export_posts_writes_one_downloadable_file_however_often_it_runs(
    files_url, auth_url, start_worker, worker_settings
):
    owner, other = new_account(auth_url), new_account(auth_url)
    seed_posts(worker_settings, owner.id, other.id)
    job_id = queue_job(worker_settings, owner.id, queue.EXPORT_POSTS)
    start_worker()

    status, attempts, result, error = wait_for(lambda: job_finished(worker_settings, job_id))
    query(worker_settings, "UPDATE jobs SET status = 'queued' WHERE id = %s", job_id)
    redis.Redis.from_url(worker_settings.redis_url).delete(
        queue.RESULT_KEY_PREFIX + queue.arq_job_id(job_id))
    queue.enqueue_sync(redis.Redis.from_url(worker_settings.redis_url), worker_settings.queue_name,
                       queue.EXPORT_POSTS, job_id)
    again = wait_for(lambda: query(worker_settings, "SELECT result FROM jobs WHERE id = %s AND "
                                   "attempts = 2 AND status = 'succeeded'", job_id))

    assert (status, attempts, error) == ("succeeded", 1, None)
    assert again == [(result,)]
    file = httpx.get(f"{files_url}/files/{result['file_id']}", headers=owner.headers).json()
    assert (file["status"], file["content_type"]) == ("ready", "application/json")
    assert query(worker_settings, "SELECT count(*) FROM files") == [(1,)]
    exported = json.loads(download(files_url, owner, result["file_id"]).content)
    assert exported["user_id"] == owner.id
    assert [p["title"] for p in exported["posts"]] == ["second", "first"]
    assert [c["body"] for c in exported["posts"][0]["comments"]] == ["nice second"]
    assert httpx.get(f"{files_url}/files/{result['file_id']}", headers=other.headers).status_code == 404


def test_the_sweep_queues_rows_that_never_reached_redis(auth_url, start_worker, worker_settings):
    account = new_account(auth_url)
    redis.Redis.from_url(worker_settings.redis_url).flushall()  # as if Redis had been down
    [(job_id,)] = query(worker_settings, "UPDATE jobs SET created_at = now() - interval '5 minutes' "
                        "WHERE type = 'welcome_email' RETURNING id")

    start_worker()

    assert wait_for(lambda: job_finished(worker_settings, job_id))[0] == "succeeded"
    assert query(worker_settings, "SELECT to_address FROM email_outbox") == [(account.email,)]


def test_cleanup_removes_expired_tokens_and_stale_pending_uploads(
    auth_url, start_worker, worker_settings, storage
):
    account = new_account(auth_url)  # its login made one live refresh token
    query(worker_settings, "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) "
          "VALUES (%s, gen_random_uuid(), repeat('a', 64), now() - interval '1 second')", account.id)
    stale_key, fresh_key = new_key("uploads"), new_key("uploads")
    for key, age in ((stale_key, "2 days"), (fresh_key, "1 minute")):
        storage.write(key, [b"abc"])
        query(worker_settings, "INSERT INTO files (id, owner_id, filename, content_type, size, "
              "storage_key, created_at) VALUES (gen_random_uuid(), %s, 'a.txt', 'text/plain', 3, "
              "%s, now() - %s::interval)", account.id, key, age)

    start_worker()
    wait_for(lambda: query(worker_settings, "SELECT count(*) FROM files") == [(1,)])

    assert query(worker_settings, "SELECT storage_key FROM files") == [(fresh_key,)]
    assert not storage.exists(stale_key) and storage.exists(fresh_key)
    assert query(worker_settings, "SELECT count(*) FROM refresh_tokens") == [(1,)]


def test_metrics_report_jobs_and_queue_depth(auth_url, start_worker, worker_settings):
    new_account(auth_url)
    worker = start_worker()
    job_id = query(worker_settings, "SELECT id FROM jobs")[0][0]
    wait_for(lambda: job_finished(worker_settings, job_id))

    text = httpx.get(worker.metrics_url).text

    assert 'worker_jobs_total{outcome="succeeded",type="welcome_email"} 1.0' in text
    assert 'worker_job_duration_seconds_count{type="welcome_email"} 1.0' in text
    [depth] = [line.split()[1] for line in text.splitlines() if line.startswith("worker_queue_depth ")]
    assert 0 <= float(depth) <= 2  # at most the two periodic jobs can be due at this instant
    [age] = [line.split()[1] for line in text.splitlines()
             if line.startswith("worker_queue_oldest_job_age_seconds ")]
    assert 0 <= float(age) < 60


def test_sigterm_lets_the_running_job_finish(auth_url, start_worker, worker_settings):
    with SMTPSink() as sink:
        sink.hold.set()
        new_account(auth_url)
        job_id = query(worker_settings, "SELECT id FROM jobs")[0][0]
        worker = start_worker(email_backend="smtp", smtp_port=sink.port)
        wait_for(lambda: sink.connections >= 1)

        worker.proc.send_signal(signal.SIGTERM)
        sink.hold.clear()
        returncode = worker.proc.wait(20)

    assert job_finished(worker_settings, job_id)[0] == "succeeded"
    assert len(sink.messages) == 1
    assert returncode == 0
