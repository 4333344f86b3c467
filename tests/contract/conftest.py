"""The contract suite's session: one database (from the migrated template, plus
Django's own tables), both stacks started once as real processes, and ``stack``
parametrised over them so every contract test runs against both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.net import free_port
from tests.contract.stacks import Stack, django_stack, fastapi_stack, service_env

STACKS = ("fastapi", "django")


@pytest.fixture(scope="session")
def contract_env(pg, redis_server, keys_dir, tmp_path_factory) -> dict[str, str]:
    database_url = pg.create_database("contract", template="app_template")
    storage = tmp_path_factory.mktemp("contract-storage")
    port = free_port()
    env = service_env(database_url, redis_server.url(), keys_dir, storage, port)
    env["_AUTH_PORT"] = str(port)
    # Every test here logs in from 127.0.0.1, and the schemathesis run alone sends
    # hundreds of logins a minute: the per-address budget is raised (the documented way
    # for load tests). The throttle itself is tested on its own stacks (test_throttling).
    env["APP_LOGIN_RATE_ADDRESS_LIMIT"] = "100000"
    return env


@pytest.fixture(scope="session")
def contract_logs(tmp_path_factory):
    return tmp_path_factory.mktemp("contract-logs")


@pytest.fixture(scope="session")
def fastapi(contract_env, contract_logs) -> Iterator[Stack]:
    with fastapi_stack(contract_env, int(contract_env["_AUTH_PORT"]), contract_logs) as stack:
        yield stack


@pytest.fixture(scope="session")
def django(contract_env, contract_logs, tmp_path_factory) -> Iterator[Stack]:
    with django_stack(
        contract_env, contract_logs, tmp_path_factory.mktemp("django-metrics")
    ) as stack:
        yield stack


@pytest.fixture(params=STACKS)
def stack(request) -> Stack:
    return request.getfixturevalue(request.param)
