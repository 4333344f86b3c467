"""Bring the whole development stack up: PostgreSQL and Redis (embedded unless
``DATABASE_URL`` / ``REDIS_URL`` are set), signing keys, migrations, then every service
of the ``Procfile``, all under supervisord (``devstack.supervise``), which restarts
whatever crashes, servers included, and says so in its log. Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from devstack import supervise
from devstack.postgres import EmbeddedPostgres, _run_as
from devstack.redis import EmbeddedRedis
from saaskit.db.migrate import upgrade
from saaskit.security.keys import ensure_key_dir

# Below the kernel's ephemeral range (32768+), so no client socket of the machine can
# hold them when the stack starts.
PG_PORT = 15432
REDIS_PORT = 16379
DATABASE = "app"
BIN = Path(sys.executable).parent
READY_SECONDS = 60.0

console = Console(stderr=True)


@dataclass
class Endpoints:
    database_url: str
    redis_url: str
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None


def plan_dependencies(data_dir: Path, pg_port: int, redis_port: int) -> Endpoints:
    """The embedded servers to supervise, unless the environment names real ones."""
    database_url = os.environ.get("DATABASE_URL") or os.environ.get("APP_DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL") or os.environ.get("APP_REDIS_URL")
    endpoints = Endpoints(database_url or "", redis_url or "")
    if not database_url:
        endpoints.postgres = EmbeddedPostgres(data_dir / "postgres", pg_port)
        endpoints.postgres.init()
        endpoints.database_url = endpoints.postgres.url(DATABASE)
    if not redis_url:
        endpoints.redis = EmbeddedRedis(data_dir / "redis", redis_port)
        endpoints.redis.data_dir.mkdir(parents=True, exist_ok=True)
        endpoints.redis_url = endpoints.redis.url()
    return endpoints


def supervised_servers(endpoints: Endpoints, logs: Path) -> dict[str, tuple[list[str], dict]]:
    servers: dict[str, tuple[list[str], dict]] = {}
    if endpoints.postgres:
        run_as = _run_as()
        extra = {"stdout_logfile": logs / "postgres.log", "stopsignal": "INT", "stopwaitsecs": 15}
        if run_as:
            extra["user"] = run_as["user"]
        servers["postgres"] = (endpoints.postgres.command(), extra)
    if endpoints.redis:
        servers["redis"] = (endpoints.redis.command(), {"stdout_logfile": logs / "redis.log"})
    return servers


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
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
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
        "resources": ("http://localhost:8002/docs  ·  admin: http://localhost:8002/sqladmin/ "
                      "(make staff)"),
        "files": "http://localhost:8003/docs",
        "worker": "metrics: http://localhost:9102/metrics",
    }
    for name in procfile:
        table.add_row(name, urls.get(name, ""))
    console.print(table)


def _prepare(endpoints: Endpoints, supervisord: subprocess.Popen) -> None:
    """Wait for the supervised servers, then create and migrate the database."""
    deadline = time.monotonic() + READY_SECONDS
    if endpoints.postgres:
        console.print(f"[bold]postgres[/] starting on 127.0.0.1:{endpoints.postgres.port}")
        endpoints.postgres.wait_ready(READY_SECONDS)
        endpoints.postgres.create_database(DATABASE)
    if endpoints.redis:
        console.print(f"[bold]redis[/] starting on 127.0.0.1:{endpoints.redis.port}")
        endpoints.redis.wait_ready(max(1.0, deadline - time.monotonic()))
    if supervisord.poll() is not None:
        raise RuntimeError(f"supervisord exited with code {supervisord.returncode}")
    console.print("[bold]migrations[/] applying")
    upgrade(endpoints.database_url)


def up(root: Path, data_dir: Path, pg_port: int = PG_PORT, redis_port: int = REDIS_PORT,
       procfile_path: Path | None = None) -> int:
    data_dir.mkdir(parents=True, exist_ok=True)
    logs = data_dir / "logs"
    logs.mkdir(exist_ok=True)
    ensure_key_dir(data_dir / "keys")
    (data_dir / "storage").mkdir(exist_ok=True)
    procfile = supervise.parse_procfile((procfile_path or root / "Procfile").read_text())
    endpoints = plan_dependencies(data_dir, pg_port, redis_port)
    conf = data_dir / "supervisord.conf"
    conf.write_text(supervise.config(data_dir, root, procfile, supervised_servers(endpoints, logs)))
    env = service_env(data_dir, endpoints)
    console.print(f"[bold]supervisord[/] starting (log: {logs}/supervisord.log)")
    supervisord = subprocess.Popen([str(BIN / "supervisord"), "-c", str(conf)], env=env, cwd=root)
    try:
        _prepare(endpoints, supervisord)
        started = subprocess.run([str(BIN / "supervisorctl"), "-c", str(conf), "start",
                                  f"{supervise.SERVICES_GROUP}:*"], timeout=120,
                                 capture_output=True, text=True)
        if started.returncode:  # one did not come up at once: supervisord keeps trying it
            console.print(f"[yellow]not yet running, retried with backoff:[/]\n{started.stdout}")
        print_urls(procfile)
        return supervisord.wait()
    except KeyboardInterrupt:
        console.print("stopping every service, then postgres and redis")
        return 0
    finally:
        if supervisord.poll() is None:
            supervisord.send_signal(signal.SIGTERM)  # it stops its programs, then exits
        try:
            supervisord.wait(60)
        except subprocess.TimeoutExpired:
            supervisord.kill()
            supervisord.wait()
