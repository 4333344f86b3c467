"""``welcome_email`` through a real worker process: outbox, SMTP, retries, failures, and
a worker killed in the middle of sending."""

from __future__ import annotations

import redis

from devstack.net import free_port
from saaskit import queue
from tests.support.api import new_account
from tests.worker.conftest import job_finished, query, wait_for
from tests.worker.smtp_sink import SMTPSink


def welcome_job(settings) -> int:
    [(job_id,)] = query(settings, "SELECT id FROM jobs WHERE type = 'welcome_email'")
    return job_id


def redeliver(settings, job_id: int) -> None:
    """What an at-least-once queue may do: run a finished job again."""
    query(settings, "UPDATE jobs SET status = 'queued' WHERE id = %s", job_id)
    client = redis.Redis.from_url(settings.redis_url)
    client.delete(queue.RESULT_KEY_PREFIX + queue.arq_job_id(job_id))
    assert queue.enqueue_sync(client, settings.queue_name, queue.WELCOME_EMAIL, job_id)


def test_registration_puts_one_welcome_email_in_the_outbox_even_if_run_twice(
    auth_url, start_worker, worker_settings
):
    account = new_account(auth_url)
    start_worker()
    job_id = welcome_job(worker_settings)

    first = wait_for(lambda: job_finished(worker_settings, job_id), what="job finished")
    redeliver(worker_settings, job_id)
    wait_for(lambda: query(worker_settings, "SELECT 1 FROM jobs WHERE id = %s AND attempts = 2 "
                           "AND status = 'succeeded'", job_id), what="second run finished")

    assert first[0] == "succeeded"
    outbox = query(worker_settings, "SELECT job_id, to_address, subject FROM email_outbox")
    assert outbox == [(job_id, account.email, "Welcome!")]


def test_smtp_backend_sends_the_mail_once(auth_url, start_worker, worker_settings):
    with SMTPSink() as sink:
        account = new_account(auth_url)
        start_worker(email_backend="smtp", smtp_port=sink.port)
        job_id = welcome_job(worker_settings)
        status = wait_for(lambda: job_finished(worker_settings, job_id), what="job finished")
        redeliver(worker_settings, job_id)
        wait_for(lambda: query(worker_settings, "SELECT 1 FROM jobs WHERE id = %s AND attempts = 2 "
                               "AND status = 'succeeded'", job_id), what="second run finished")

    assert status[0] == "succeeded"
    assert [m["To"] for m in sink.messages] == [account.email]
    [(sent_at,)] = query(worker_settings, "SELECT sent_at FROM email_outbox")
    assert sent_at is not None


def test_a_worker_killed_mid_send_leaves_the_job_to_complete_once(
    auth_url, start_worker, worker_settings
):
    with SMTPSink() as sink:
        sink.hold.set()  # the first worker connects and then waits for the greeting
        account = new_account(auth_url)
        job_id = welcome_job(worker_settings)
        first = start_worker(email_backend="smtp", smtp_port=sink.port)
        wait_for(lambda: sink.connections >= 1 and query(
            worker_settings, "SELECT 1 FROM jobs WHERE id = %s AND status = 'running'", job_id
        ), what="job running")

        first.kill()
        sink.hold.clear()
        start_worker(email_backend="smtp", smtp_port=sink.port)
        # arq re-runs the job once the dead worker's lock expires (job timeout + 10 s).
        status, attempts, _result, error = wait_for(
            lambda: job_finished(worker_settings, job_id), timeout=45, what="job finished"
        )

    assert (status, attempts, error) == ("succeeded", 2, None)
    assert [m["To"] for m in sink.messages] == [account.email]
    assert query(worker_settings, "SELECT count(*) FROM email_outbox") == [(1,)]


def test_an_unreachable_mail_server_is_retried_then_the_job_fails(
    auth_url, start_worker, worker_settings
):
    new_account(auth_url)
    worker = start_worker(email_backend="smtp", smtp_port=free_port())  # nobody listens
    job_id = welcome_job(worker_settings)

    status, attempts, _result, error = wait_for(
        lambda: job_finished(worker_settings, job_id), what="job finished"
    )

    assert (status, attempts) == ("failed", worker_settings.worker_max_tries)
    assert error.startswith(f"gave up after {worker_settings.worker_max_tries} tries: SMTPConnectError")
    metrics = __import__("httpx").get(worker.metrics_url).text
    assert 'worker_jobs_total{outcome="retried",type="welcome_email"} 2.0' in metrics
    assert 'worker_jobs_total{outcome="failed",type="welcome_email"} 1.0' in metrics


def test_a_job_that_cannot_succeed_fails_at_once_with_its_reason(
    auth_url, start_worker, worker_settings
):
    account = new_account(auth_url)
    [(job_id,)] = query(
        worker_settings,
        "INSERT INTO jobs (owner_id, type, payload) VALUES (%s, 'welcome_email', "
        "'{\"user_id\": 987654}') RETURNING id", account.id,
    )
    queue.enqueue_sync(redis.Redis.from_url(worker_settings.redis_url), worker_settings.queue_name,
                       queue.WELCOME_EMAIL, job_id)
    start_worker()

    status, attempts, result, error = wait_for(
        lambda: job_finished(worker_settings, job_id), what="job finished"
    )

    assert (status, attempts, result, error) == ("failed", 1, None, "user 987654 does not exist")
