"""Bring the whole development stack up: PostgreSQL and Redis (embedded unless
``DATABASE_URL`` / ``REDIS_URL`` are set), signing keys, migrations, then every service
of the ``Procfile`` under honcho. Ctrl-C stops the services, then the servers."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from honcho.environ import parse_procfile
from honcho.manager import Manager
from rich.console import Console
from rich.table import Table

from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis
from saaskit.db.migrate import upgrade
from saaskit.security.keys import ensure_key_dir

# Below the kernel's ephemeral range (32768+), so no client socket of the machine can
# hold them when the stack starts.
PG_PORT = 15432
REDIS_PORT = 16379
DATABASE = "app"

console = Console(stderr=True)


@dataclass
class Endpoints:
    database_url: str
    redis_url: str
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None

    def stop(self) -> None:
        if self.redis:
            self.redis.stop()
        if self.postgres:
            self.postgres.stop()


def start_dependencies(data_dir: Path) -> Endpoints:
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL") or os.environ.get("APP_DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL") or os.environ.get("APP_REDIS_URL")
    endpoints = Endpoints(database_url or "", redis_url or "")
    try:
        if not database_url:
            endpoints.postgres = EmbeddedPostgres(data_dir / "postgres", PG_PORT)
            console.print(f"[bold]postgres[/] starting on 127.0.0.1:{PG_PORT} (log: {logs}/postgres.log)")
            endpoints.postgres.start(logs / "postgres.log")
            endpoints.database_url = endpoints.postgres.create_database(DATABASE)
        if not redis_url:
            endpoints.redis = EmbeddedRedis(data_dir / "redis", REDIS_PORT)
            console.print(f"[bold]redis[/] starting on 127.0.0.1:{REDIS_PORT} (log: {logs}/redis.log)")
            endpoints.redis.start(logs / "redis.log")
            endpoints.redis_url = endpoints.redis.url()
    except BaseException:
        endpoints.stop()
        raise
    return endpoints


def service_env(data_dir: Path, endpoints: Endpoints) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "APP_ENVIRONMENT": env.get("APP_ENVIRONMENT", "development"),
            "APP_DATABASE_URL": endpoints.database_url,
            "APP_REDIS_URL": endpoints.redis_url,
            "APP_JWT_KEYS_DIR": str(data_dir / "keys"),
            "APP_STORAGE_LOCAL_DIR": str(data_dir / "storage"),
            "APP_LOG_JSON": env.get("APP_LOG_JSON", "false"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def print_urls(procfile: dict[str, str]) -> None:
    table = Table(title="The stack is up", show_lines=False)
    table.add_column("service")
    table.add_column("URL")
    urls = {
        "admin": ("http://localhost:8000/docs  ·  admin: http://localhost:8000/admin/ "
                  "(make superuser)"),
        "auth": "http://localhost:8001/docs",
        "resources": "http://localhost:8002/docs",
        "files": "http://localhost:8003/docs",
        "worker": "metrics: http://localhost:9102/metrics",
    }
    for name in procfile:
        table.add_row(name, urls.get(name, ""))
    console.print(table)


def up(root: Path, data_dir: Path) -> int:
    data_dir.mkdir(parents=True, exist_ok=True)
    ensure_key_dir(data_dir / "keys")
    (data_dir / "storage").mkdir(exist_ok=True)
    procfile = parse_procfile((root / "Procfile").read_text()).processes
    endpoints = start_dependencies(data_dir)
    try:
        console.print("[bold]migrations[/] applying")
        upgrade(endpoints.database_url)
        env = service_env(data_dir, endpoints)
        manager = Manager()
        for name, command in procfile.items():
            manager.add_process(name, command, env=env, cwd=str(root))
        print_urls(procfile)
        manager.loop()
        return manager.returncode or 0
    finally:
        console.print("stopping postgres and redis")
        endpoints.stop()
