"""PostgreSQL stopped and started again under a running stack (issue 12, "Faults"):
every request during the outage is a 503 problem with ``Retry-After`` in under a
second, none is a 500, and the stack serves again within 2 s of the database being
back, by itself. The test's own PostgreSQL, since the session's is shared."""

from __future__ import annotations

import collections
import time

import httpx
import pytest

from devstack.net import free_port
from devstack.postgres import EmbeddedPostgres
from saaskit.db.migrate import upgrade
from tests.contract.test_dependencies_down import _own_auth_port, started
from tests.support.api import new_account

OUTAGE_SECONDS = 3.0
QUICK = 1.0
RECOVERY = 2.0


@pytest.fixture
def own_pg(tmp_path):
    server = EmbeddedPostgres(tmp_path / "pg", free_port(), durable=False)
    server.start(tmp_path / "pg.log")
    try:
        server.create_database("app")
        upgrade(server.url("app"))
        yield server
    finally:
        server.stop()


def _call(stack, i: int, headers: dict[str, str], user_id: int) -> tuple[httpx.Response, float]:
    started_at = time.monotonic()
    if i % 2:
        response = stack.post("/posts", json={"title": f"t{i}", "body": "b"}, headers=headers, timeout=10)
    else:
        response = stack.get(f"/users/{user_id}", headers=headers, timeout=10)
    return response, time.monotonic() - started_at


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fastapi", "django"])
def test_postgres_restart_is_quick_503s_then_recovery(kind, own_pg, contract_env, tmp_path):
    env = {**_own_auth_port(contract_env), "APP_DATABASE_URL": own_pg.url("app")}
    with started(kind, env, tmp_path) as stack:
        account = new_account(stack.auth)
        for i in range(8):  # every pooled connection made and used
            assert _call(stack, i, account.headers, account.id)[0].status_code in (200, 201)

        own_pg.stop()
        during: list[tuple[int, float, str | None]] = []
        deadline = time.monotonic() + OUTAGE_SECONDS
        while time.monotonic() < deadline:
            response, elapsed = _call(stack, len(during), account.headers, account.id)
            during.append((response.status_code, elapsed, response.headers.get("retry-after")))

        own_pg.start(tmp_path / "pg.log")
        back = time.monotonic()
        after: list[int] = []
        while time.monotonic() - back < 10:
            response, _ = _call(stack, len(after), account.headers, account.id)
            after.append(response.status_code)
            if response.status_code in (200, 201):
                break
        recovered = time.monotonic() - back
        steady = [_call(stack, i, account.headers, account.id)[0].status_code for i in range(6)]

    statuses = collections.Counter(status for status, _, _ in during)
    slowest = max(elapsed for _, elapsed, _ in during)
    print(f"{kind}: {len(during)} requests during the outage, {dict(statuses)}, slowest "
          f"{slowest:.2f} s; recovered {recovered:.2f} s after the database was back "
          f"({len(after)} requests)")
    assert statuses == {503: len(during)}
    assert all(retry for _, _, retry in during)
    assert slowest < QUICK
    assert recovered < RECOVERY
    assert set(steady) <= {200, 201}
