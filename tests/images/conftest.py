"""The five images, started once for the module against the test session's PostgreSQL and
Redis: the schema applied by the admin image's migration command (as the chart's hook Job
runs it) on an empty database, then every service as a hardened container."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.net import free_port
from tests.images.containers import MIGRATE, Container, container, readable_copy, run_once
from tests.support.env import service_settings, settings_env
from tests.support.fixtures.backing import private_redis_url

KEYS = "/var/run/saas/keys"
IMAGES_REDIS_DB = 2
STORAGE = "/var/lib/saas/storage"


@dataclass
class Deployment:
    env: dict[str, str]
    containers: dict[str, Container]
    urls: dict[str, str]
    volumes: dict[str, dict[Path, str]]


@pytest.fixture(scope="module")
def image_env(pg, redis_server, keys_dir, tmp_path_factory) -> dict[str, str]:
    database_url = pg.create_database(f"images_{uuid.uuid4().hex[:8]}")  # empty: migrated below
    return settings_env(service_settings(
        secret_key="image-test-secret",
        allowed_hosts=("127.0.0.1", "localhost"),
        csrf_trusted_origins=("http://127.0.0.1", "http://localhost"),
        database_url=database_url,
        redis_url=private_redis_url(redis_server, IMAGES_REDIS_DB),
        database_pool_size=3,
        jwt_keys_dir=KEYS,
        jwt_issuer="http://image-tests",
        storage_backend="local",
        storage_local_dir=STORAGE,
        log_level="INFO",
        log_json=True,
    ))


@pytest.fixture(scope="module")
def deployment(engine, image_env, keys_dir, tmp_path_factory) -> Iterator[Deployment]:
    migrated = run_once(engine, "admin", image_env, ["sh", "-c", MIGRATE])
    assert migrated.returncode == 0, (migrated.stdout + migrated.stderr).decode()[-4000:]

    keys = readable_copy(keys_dir, tmp_path_factory.mktemp("image-keys") / "keys")
    storage = tmp_path_factory.mktemp("image-storage")
    storage.chmod(0o777)  # written by the image's uid 10001
    ports = {name: free_port() for name in ("auth", "resources", "files", "admin", "worker")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    jwks = {"APP_JWKS_URL": f"{urls['auth']}/.well-known/jwks.json", "APP_JWKS_MIN_REFRESH_SECONDS": "0"}
    uvicorn = {"UVICORN_HOST": "127.0.0.1"}
    plan = {
        "auth": ({**uvicorn, "UVICORN_PORT": str(ports["auth"])}, {keys: f"{KEYS}:ro"}),
        # Two worker processes: their metrics go through the multiprocess dir under /tmp.
        "resources": ({**uvicorn, **jwks, "UVICORN_PORT": str(ports["resources"]), "WEB_CONCURRENCY": "2"}, {}),
        "files": ({**uvicorn, **jwks, "UVICORN_PORT": str(ports["files"])}, {storage: STORAGE}),
        "admin": ({"GUNICORN_BIND": f"127.0.0.1:{ports['admin']}", "WEB_CONCURRENCY": "2"},
                  {keys: f"{KEYS}:ro", storage: STORAGE}),
        "worker": ({"APP_WORKER_METRICS_HOST": "127.0.0.1", "APP_WORKER_METRICS_PORT": str(ports["worker"])},
                   {storage: STORAGE}),
    }
    with ExitStack() as stack:
        containers = {}
        for service, (env, volumes) in plan.items():
            containers[service] = stack.enter_context(container(engine, service, {**image_env, **env}, volumes))
            ready = "/metrics" if service == "worker" else "/readyz"
            containers[service].wait_http(urls[service] + ready)
        yield Deployment({**image_env}, containers, urls,
                         {s: v for s, (_e, v) in plan.items()})
