"""When PostgreSQL or Redis is down, both stacks answer a quick 503 problem (never a
hang, never a 500 with a trace), readiness names the failing check, and a refused
request leaves nothing half-written behind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest

from devstack.net import free_port
from saaskit.security.keys import KeySet
from saaskit.security.tokens import AccessTokenIssuer
from tests.contract.stacks import Stack, django_stack, fastapi_stack
from tests.support.api import new_account
from tests.support.problems import assert_problem


@contextmanager
def started(kind: str, env: dict[str, str], tmp_path, migrate: bool = True) -> Iterator[Stack]:
    logs = tmp_path / "logs"
    logs.mkdir(exist_ok=True)
    if kind == "fastapi":
        with fastapi_stack(env, logs) as stack:
            yield stack
    else:
        metrics = tmp_path / "metrics"
        metrics.mkdir(exist_ok=True)
        with django_stack(env, logs, metrics, migrate=migrate) as stack:
            yield stack


def _token(env: dict[str, str], user_id: int = 1) -> dict[str, str]:
    keys = KeySet.from_dir(Path(env["APP_JWT_KEYS_DIR"]))
    issuer = AccessTokenIssuer(keys, env["APP_JWT_ISSUER"], "saas-api", 300)
    return {"Authorization": f"Bearer {issuer.issue(user_id)}"}


def _assert_503(response: httpx.Response) -> None:
    """A 503 problem, nothing leaked. Not a hang: the answer comes from the service's own
    timeout, and a hang would end in the stack client's 15 s timeout and fail the test.
    How fast is not asserted here (a loaded machine is slow): test_faults.py holds the
    documented bound, measured per request on a warm keep-alive connection."""
    assert_problem(response, 503)
    assert response.headers.get("retry-after")
    for leak in ("Traceback", "psycopg", "asyncpg", "sqlalchemy", "redis.exceptions"):
        assert leak not in response.text


@pytest.mark.parametrize("kind", ["fastapi", "django"])
def test_database_down_is_a_quick_503(kind, contract_env, tmp_path):
    env = {
        **contract_env,
        "APP_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/app",
        "APP_DATABASE_CONNECT_TIMEOUT": "1",
    }
    # Nothing to migrate on a database that is not there; the servers start without it.
    with started(kind, env, tmp_path, migrate=False) as stack:
        headers = _token(env)
        response = stack.get("/users/1", headers=headers)
        ready = stack.get("/readyz")
    _assert_503(response)
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("failed")


@pytest.mark.parametrize("kind", ["fastapi", "django"])
def test_redis_down_refuses_a_job_and_writes_no_row(kind, contract_env, tmp_path):
    env = {**contract_env, "APP_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    with started(kind, env, tmp_path) as stack:
        account = new_account(stack.auth)  # registration still works without Redis
        response = stack.post("/jobs", json={"type": "export_posts"}, headers=account.headers)
        ready = stack.get("/readyz")
    _assert_503(response)
    assert ready.status_code == 503 and ready.json()["checks"]["redis"].startswith("failed")
    with psycopg.connect(env["APP_DATABASE_URL"]) as conn:
        kinds = [r[0] for r in conn.execute(
            "SELECT type FROM jobs WHERE owner_id = %s", (account.id,)).fetchall()]
    # The welcome email's row stays queued for the sweep; no export row was left behind.
    assert kinds == ["welcome_email"]
