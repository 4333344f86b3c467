"""The FastAPI side's admin (SQLAdmin at /sqladmin on the resources service), over real
HTTP with real PostgreSQL and Redis: staff login apart from API users, CSRF on every
write, the login throttle, and each action doing what the Django admin's does (jobs
queued through the kit's queue, so the worker would run them)."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from typing import cast

import httpx
import psycopg
import pytest
import redis

from resources_service.main import create_app
from saaskit import queue
from saaskit.security.passwords import PasswordService
from saaskit.settings import Settings
from tests.resources.conftest import Service
from tests.support.api import Account, unique_username
from tests.support.servers import threaded_server

STAFF_PASSWORD = "staff-password-1"
ADMIN = "/sqladmin"


def make_staff(db: psycopg.Connection, settings: Settings, active: bool = True) -> str:
    username = unique_username("staff")
    password_hash = PasswordService.from_settings(settings).hash(STAFF_PASSWORD)
    db.execute(
        "INSERT INTO staff_accounts (username, password_hash, is_active) VALUES (%s, %s, %s)",
        (username, password_hash, active),
    )
    return username


def csrf_token(client: httpx.Client, path: str = f"{ADMIN}/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def log_in(client: httpx.Client, username: str, password: str = STAFF_PASSWORD) -> httpx.Response:
    token = csrf_token(client)
    return client.post(
        f"{ADMIN}/login", data={"csrftoken": token, "username": username, "password": password}
    )


@pytest.fixture
def staff_client(resources: Service, db, settings) -> Iterator[httpx.Client]:
    with resources.client() as client:
        response = log_in(client, make_staff(db, settings))
        assert response.status_code == 302 and response.headers["location"].endswith(f"{ADMIN}/")
        yield client


def post_action(client: httpx.Client, path: str, pks: list) -> httpx.Response:
    """The action as the browser runs it: the confirmation page (GET, which changes
    nothing), then its form, POSTed with the page's CSRF token."""
    joined = ",".join(str(pk) for pk in pks)
    token = csrf_token(client, f"{path}?pks={joined}")
    return client.post(path, data={"csrftoken": token, "pks": joined})


def test_staff_log_in_and_api_users_cannot(resources: Service, db, settings, alice: Account):
    with resources.client() as client:
        assert client.get(f"{ADMIN}/user/list").status_code == 302  # to the login page
        response = log_in(client, alice.username, alice.password)
        assert response.status_code == 400 and "Invalid credentials." in response.text
        assert log_in(client, make_staff(db, settings, active=False)).status_code == 400

        assert log_in(client, make_staff(db, settings)).status_code == 302
        page = client.get(f"{ADMIN}/user/list", params={"search": alice.username})
        assert page.status_code == 200
        assert alice.username in page.text and alice.email in page.text
        assert client.get(f"{ADMIN}/statics/css/tabler.min.css").status_code == 200


def test_search_leaves_the_others_out(staff_client: httpx.Client, alice: Account, bob: Account):
    page = staff_client.get(f"{ADMIN}/user/list", params={"search": alice.username})
    assert alice.username in page.text and bob.username not in page.text


def test_a_deactivated_staff_account_is_logged_out(resources: Service, db, settings):
    username = make_staff(db, settings)
    with resources.client() as client:
        assert log_in(client, username).status_code == 302
        assert client.get(f"{ADMIN}/user/list").status_code == 200
        db.execute("UPDATE staff_accounts SET is_active = false WHERE username = %s", (username,))
        assert client.get(f"{ADMIN}/user/list").status_code == 302


def test_every_write_needs_the_csrf_token(resources: Service, staff_client: httpx.Client, db, alice: Account):
    path = f"{ADMIN}/user/action/deactivate"
    # The GET SQLAdmin's list makes only asks; nothing changes.
    confirm = staff_client.get(path, params={"pks": str(alice.id)})
    assert confirm.status_code == 200 and 'id="action-confirm-form"' in confirm.text
    # A POST without the token (a forged form on another site) is refused.
    forged = staff_client.post(path, data={"pks": str(alice.id)})
    assert forged.status_code == 403
    edit = staff_client.post(f"{ADMIN}/user/edit/{alice.id}", data={"username": "mallory"})
    assert edit.status_code == 403
    # And so is a login without it.
    with resources.client() as fresh:
        assert fresh.post(f"{ADMIN}/login", data={"username": "x", "password": "y"}).status_code == 403
    assert db.execute("SELECT is_active, username FROM users WHERE id = %s", (alice.id,)).fetchone() == (
        True, alice.username,
    )


def test_deactivate_logs_the_user_out(staff_client: httpx.Client, db, alice: Account, bob: Account):
    response = post_action(staff_client, f"{ADMIN}/user/action/deactivate", [alice.id])
    assert response.status_code == 303 and response.headers["location"].endswith(f"{ADMIN}/user/list")
    page = staff_client.get(response.headers["location"])
    assert "1 user(s) deactivated." in page.text
    assert db.execute("SELECT is_active FROM users WHERE id = %s", (alice.id,)).fetchone() == (False,)
    assert db.execute(
        "SELECT count(*) FROM refresh_tokens WHERE user_id = %s AND revoked_at IS NULL", (alice.id,)
    ).fetchone() == (0,)
    assert db.execute("SELECT is_active FROM users WHERE id = %s", (bob.id,)).fetchone() == (True,)


def test_force_logout(staff_client: httpx.Client, db, alice: Account):
    post_action(staff_client, f"{ADMIN}/user/action/force-logout", [alice.id])
    assert db.execute(
        "SELECT count(*) FROM refresh_tokens WHERE user_id = %s AND revoked_at IS NULL", (alice.id,)
    ).fetchone() == (0,)
    assert db.execute("SELECT is_active FROM users WHERE id = %s", (alice.id,)).fetchone() == (True,)


def arq_job(redis_url: str, job_id: int) -> bytes | None:
    with redis.Redis.from_url(redis_url) as client:
        return cast(bytes | None, client.get(queue.JOB_KEY_PREFIX + queue.arq_job_id(job_id)))


def test_resend_verification_queues_a_job_for_the_unverified(
    staff_client: httpx.Client, db, redis_url, alice: Account, bob: Account
):
    db.execute("UPDATE users SET email_verified = true WHERE id = %s", (bob.id,))
    response = post_action(staff_client, f"{ADMIN}/user/action/resend-verification", [alice.id, bob.id])
    assert "1 verification email(s) queued." in staff_client.get(response.headers["location"]).text
    rows = db.execute(
        "SELECT id, owner_id, status, payload FROM jobs WHERE type = 'verification_email'"
    ).fetchall()
    assert [(owner, status, payload) for _id, owner, status, payload in rows] == [
        (alice.id, "queued", {"user_id": alice.id})
    ]
    pushed = arq_job(redis_url, rows[0][0])
    assert pushed is not None and b'"f":"verification_email"' in pushed


def test_retry_queues_a_failed_job_again(staff_client: httpx.Client, db, redis_url, alice: Account):
    (job_id,) = db.execute(
        "INSERT INTO jobs (owner_id, type, status, error, attempts, finished_at) "
        "VALUES (%s, 'export_posts', 'failed', 'boom', 3, now()) RETURNING id", (alice.id,)
    ).fetchone()
    with redis.Redis.from_url(redis_url) as client:  # arq still holds the failed run's result
        client.set(queue.RESULT_KEY_PREFIX + queue.arq_job_id(job_id), b"old result")
    response = post_action(staff_client, f"{ADMIN}/job/action/retry", [job_id])
    assert "1 job(s) queued again." in staff_client.get(response.headers["location"]).text
    assert db.execute("SELECT status, error, finished_at FROM jobs WHERE id = %s", (job_id,)).fetchone() == (
        "queued", None, None,
    )
    assert arq_job(redis_url, job_id) is not None


def test_reprocess_sends_the_file_back_to_pending(staff_client: httpx.Client, db, redis_url, alice: Account):
    file_id = uuid.uuid4()
    db.execute(
        "INSERT INTO files (id, owner_id, filename, content_type, size, storage_key, status, sha256, "
        "rejection_reason) VALUES (%s, %s, 'a.txt', 'text/plain', 3, %s, 'rejected', %s, 'checksum mismatch')",
        (file_id, alice.id, f"uploads/{file_id.hex}", "0" * 64),
    )
    response = post_action(staff_client, f"{ADMIN}/file/action/reprocess", [file_id])
    assert "1 file(s) queued for processing." in staff_client.get(response.headers["location"]).text
    assert db.execute(
        "SELECT status, sha256, rejection_reason FROM files WHERE id = %s", (file_id,)
    ).fetchone() == ("pending", None, None)
    (job_id, payload) = db.execute(
        "SELECT id, payload FROM jobs WHERE type = 'process_file' AND owner_id = %s", (alice.id,)
    ).fetchone()
    assert payload == {"file_id": str(file_id)}
    assert arq_job(redis_url, job_id) is not None


def test_posts_search_by_author_and_comment_count(staff_client: httpx.Client, resources: Service, alice, bob):
    with resources.client(alice) as as_alice:
        post = as_alice.post("/posts", json={"title": "Alice's only post", "body": "hi"}).json()
        as_alice.post(f"/posts/{post['id']}/comments", json={"body": "first"})
    page = staff_client.get(f"{ADMIN}/post/list", params={"search": alice.username})
    assert "Alice&#39;s only post" in page.text or "Alice's only post" in page.text
    by_id = staff_client.get(
        f"{ADMIN}/post/list", params={"author_id": str(bob.id), "author_id_op": "equals"}
    )
    assert "only post" not in by_id.text
    details = staff_client.get(f"{ADMIN}/post/details/{post['id']}")
    assert details.status_code == 200 and "comment #" in details.text


def test_login_is_throttled(settings: Settings, auth_url, db):
    throttled = settings.model_copy(update={"login_rate_account_limit": 2})
    username = make_staff(db, throttled)
    with threaded_server(create_app(throttled)) as url, httpx.Client(base_url=url, timeout=10) as client:
        assert [log_in(client, username, "wrong password").status_code for _ in range(2)] == [400, 400]
        refused = log_in(client, username)  # the right password, but the budget is spent
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert refused.headers["RateLimit-Policy"] == '"account";q=2;w=300'
        assert "Too many login attempts" in refused.text


def test_the_public_api_runs_none_of_the_admin(resources: Service, alice: Account):
    """No session, no CSRF cookie, no Vary: Cookie on an API answer."""
    with resources.client(alice) as client:
        response = client.get(f"/users/{alice.id}")
    assert response.status_code == 200
    assert "set-cookie" not in response.headers and "cookie" not in response.headers.get("vary", "").lower()


def test_staff_cli_creates_an_account_that_can_log_in(resources: Service, settings, monkeypatch, capsys):
    from resources_service.admin import staff

    username = unique_username("cli")
    monkeypatch.setenv("STAFF_PASSWORD", STAFF_PASSWORD)
    monkeypatch.setattr(staff, "get_settings", lambda: settings)
    staff.main([username])
    assert f"staff account {username} created" in capsys.readouterr().out
    with resources.client() as client:
        assert log_in(client, username).status_code == 302


def test_a_staff_login_past_the_hashing_queue_is_refused(settings: Settings, db):
    """Staff logins hash in the kit's bounded pool, as API logins do: one hash at a time
    here and none waiting, so while a hash runs the next login is a 503 with
    ``Retry-After`` (it was ``anyio.to_thread``: up to 40 argon2 hashes at once)."""
    bounded = settings.model_copy(update={"password_hash_workers": 1, "password_hash_queue": 0})
    username = make_staff(db, bounded)
    app = create_app(bounded)
    with threaded_server(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        release = threading.Event()
        running = app.state.admin.staff_auth.hashing.submit(release.wait, 10)
        try:
            refused = log_in(client, username)
        finally:
            release.set()
        running.result(timeout=10)
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "1"
        assert "Too many logins at once" in refused.text
        assert log_in(client, username).status_code == 302
