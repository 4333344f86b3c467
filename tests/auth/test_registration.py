"""POST /auth/register: the account, its validation, and the welcome-email job."""

import httpx
import psycopg
import pytest
import redis

from tests.support.api import PASSWORD, register, unique_username
from tests.support.problems import assert_problem


def _body(**overrides):
    username = unique_username()
    return {"email": f"{username}@example.com", "username": username, "password": PASSWORD, **overrides}


def test_register_returns_me_without_secrets(auth_url):
    body = _body(full_name="Ada Lovelace", email="Ada.Lovelace@Example.COM")
    response = httpx.post(f"{auth_url}/auth/register", json=body)
    assert response.status_code == 201
    me = response.json()
    assert set(me) == {"id", "email", "username", "full_name", "is_active", "email_verified", "created_at"}
    assert me["email_verified"] is False
    assert me["email"] == "ada.lovelace@example.com"
    assert me["full_name"] == "Ada Lovelace" and me["is_active"] is True
    assert me["created_at"].endswith("Z")


def test_password_is_stored_as_argon2id(auth_url, database_url):
    me = register(auth_url)
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT password_hash FROM users WHERE id = %s", (me["id"],)).fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize("field", ["email", "username"])
def test_duplicate_email_or_username_is_409_case_insensitively(auth_url, field):
    first = _body()
    assert httpx.post(f"{auth_url}/auth/register", json=first).status_code == 201
    second = _body()
    second[field] = first[field].upper()
    response = httpx.post(f"{auth_url}/auth/register", json=second)
    assert field in assert_problem(response, 409)["detail"]


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"password": "short1"}, ["body", "password"]),
        ({"password": "onlyletters"}, ["body", "password"]),
        ({"password": "1234567890"}, ["body", "password"]),
        ({"email": "not-an-email"}, ["body", "email"]),
        ({"username": "ab"}, ["body", "username"]),
        ({"username": "has space"}, ["body", "username"]),
        ({"username": "x" * 33}, ["body", "username"]),
        ({"username": "dash-ed"}, ["body", "username"]),
        ({"is_active": False}, ["body", "is_active"]),
        ({"full_name": "x" * 201}, ["body", "full_name"]),
    ],
)
def test_invalid_registration_is_422_and_writes_nothing(auth_url, database_url, overrides, loc):
    response = httpx.post(f"{auth_url}/auth/register", json=_body(**overrides))
    problem = assert_problem(response, 422)
    assert loc in [e["loc"] for e in problem["errors"]]
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def test_malformed_json_is_400_problem(auth_url):
    response = httpx.post(
        f"{auth_url}/auth/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(response, 400)  # the contract's "bad input" rules


def test_registration_records_and_queues_a_welcome_email_job(auth_url, database_url, redis_url):
    me = register(auth_url)
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT id, status, type FROM jobs WHERE owner_id = %s", (me["id"],)
        ).fetchone()
    assert row is not None, "no job row"
    job_id, status, job_type = row
    assert (status, job_type) == ("queued", "welcome_email")
    client = redis.Redis.from_url(redis_url)
    assert client.zscore("arq:queue", f"job:{job_id}") is not None
    assert client.exists(f"arq:job:job:{job_id}")
