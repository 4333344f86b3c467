"""The observability suite's session: both stacks and one worker as real processes,
their traces sent to the suite's own OTLP receiver, on their own database and their own
queue and Redis database (so no other suite's worker or job mixes in). Package-scoped: torn down when the
suite ends."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.net import free_port
from tests.contract.stacks import ROOT, Stack, django_stack, fastapi_stack, service_env
from tests.observability.otlp_receiver import Receiver, otlp_receiver
from tests.support.fixtures.backing import private_redis_url
from tests.support.servers import process_server


@dataclass
class Worker:
    metrics_url: str


@pytest.fixture(scope="package")
def receiver() -> Iterator[tuple[str, Receiver]]:
    with otlp_receiver() as endpoint_and_receiver:
        yield endpoint_and_receiver


@pytest.fixture(scope="package")
def obs_env(pg, redis_server, keys_dir, tmp_path_factory, receiver) -> dict[str, str]:
    endpoint, _ = receiver
    database_url = pg.create_database("observability", template="app_template")
    # A Redis database of its own, emptied: arq's job keys (job:<row id>) are not per
    # queue, and other suites' databases number their jobs from 1 too.
    redis_url = private_redis_url(redis_server, 9)
    env = service_env(database_url, redis_url, keys_dir, tmp_path_factory.mktemp("obs-storage"))
    env.update({
        "APP_QUEUE_NAME": "arq:observability",
        "APP_LOG_LEVEL": "INFO",
        "APP_LOG_JSON": "true",
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_TRACES_SAMPLER": "always_on",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test",
        # Welcome emails go to a port nobody listens on: each is retried once, then
        # fails, so the job metrics have every outcome.
        "APP_EMAIL_BACKEND": "smtp",
        "APP_SMTP_PORT": str(free_port()),
        "APP_WORKER_MAX_TRIES": "2",
        "APP_WORKER_RETRY_BACKOFF_SECONDS": "0.2",
    })
    return env


@pytest.fixture(scope="package")
def obs_logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("obs-logs")


@pytest.fixture(scope="package")
def fastapi_obs(obs_env, obs_logs) -> Iterator[Stack]:
    with fastapi_stack(obs_env, obs_logs) as stack:
        yield stack


@pytest.fixture(scope="package")
def django_obs(obs_env, obs_logs, tmp_path_factory) -> Iterator[Stack]:
    with django_stack(obs_env, obs_logs, tmp_path_factory.mktemp("obs-django-metrics")) as stack:
        yield stack


@pytest.fixture(scope="package")
def worker_obs(obs_env, obs_logs) -> Iterator[Worker]:
    # The worker binds its metrics server itself (it cannot take a socket): a free port.
    port = free_port()
    env = {**obs_env, "APP_WORKER_METRICS_PORT": str(port),
           "APP_WORKER_SWEEP_INTERVAL_SECONDS": "5", "APP_WORKER_SHUTDOWN_GRACE_SECONDS": "5"}
    with process_server([sys.executable, "-m", "worker"], env, health_path="/metrics", port=port,
                        cwd=ROOT, log_path=obs_logs / "worker.log") as url:
        yield Worker(f"{url}/metrics")


@pytest.fixture(params=("fastapi", "django"))
def obs_stack(request, worker_obs) -> Stack:
    return request.getfixturevalue(f"{request.param}_obs")
