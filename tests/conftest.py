"""Test session: real PostgreSQL and real Redis, started here from the wheels.

- ``pg``/``redis_server``: one throwaway server each per session, on free loopback ports.
- ``database_url``: a fresh database per test, copied from a migrated template
  (``CREATE DATABASE ... TEMPLATE``), so every test starts from the same empty schema.
- ``redis_url``: Redis flushed before each test.
- ``settings``: a ``Settings`` for services under test (cheap argon2 parameters).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from devstack.net import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis
from saaskit.db.migrate import upgrade
from saaskit.security.keys import ensure_key_dir
from saaskit.settings import Settings
from tests.support.servers import threaded_server

TEMPLATE = "app_template"


@pytest.fixture(scope="session")
def server_dir() -> Iterator[Path]:
    """The servers' data lives outside pytest's tmp_path tree: pytest prunes old
    ``pytest-N`` folders at start, which would pull the data directory from under a
    PostgreSQL that another, concurrent test session is still running."""
    path = Path(tempfile.mkdtemp(prefix="saas-test-servers-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def pg(server_dir: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(server_dir / "postgres", free_port(), durable=False)
    server.start(server_dir / "postgres.log")
    try:
        server.create_database(TEMPLATE)
        upgrade(server.url(TEMPLATE))
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(server_dir: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(server_dir / "redis", free_port(), durable=False)
    server.start(server_dir / "redis.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def database_url(pg: EmbeddedPostgres) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = pg.create_database(name, template=TEMPLATE)
    yield url
    pg.drop_database(name)


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> str:
    redis.Redis.from_url(redis_server.url()).flushall()
    return redis_server.url()


def private_redis_url(server: EmbeddedRedis, db: int) -> str:
    """A Redis database of its own, emptied, for a suite whose stack outlives one test.
    arq's keys are named after the jobs row's id (``job:1`` ...), which restarts at 1 in
    every test database: on a shared database a leftover result of another suite's job 1
    makes arq refuse a new job 1 as a duplicate."""
    redis.Redis.from_url(server.url(db)).flushdb()
    return server.url(db)


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory) -> Path:
    return ensure_key_dir(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def storage_dir(tmp_path) -> Path:
    path = tmp_path / "storage"
    path.mkdir()
    return path


@pytest.fixture
def auth_port() -> int:
    return free_port()


@pytest.fixture
def settings(database_url, redis_url, keys_dir, storage_dir, auth_port) -> Settings:
    return Settings(
        environment="test",
        secret_key="test-secret-key",
        database_url=database_url,
        redis_url=redis_url,
        database_pool_size=5,
        jwt_keys_dir=keys_dir,
        jwt_issuer="http://testserver",
        jwks_url=f"http://127.0.0.1:{auth_port}/.well-known/jwks.json",
        jwks_min_refresh_seconds=0,
        storage_local_dir=storage_dir,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
        log_json=False,
        log_level="WARNING",
    )


@pytest.fixture
def auth_url(settings: Settings, auth_port: int) -> Iterator[str]:
    """The auth service, served over real HTTP on ``auth_port``."""
    from auth_service.main import create_app

    with threaded_server(create_app(settings), port=auth_port) as url:
        yield url
