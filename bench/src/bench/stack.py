"""The system under test, started here on free loopback ports with embedded defaults:
PostgreSQL (with ``pg_stat_statements``) and Redis from the wheels, the migrations, the
seeded data set, then every server in its production configuration, pinned to the
server cores. Or the same shape built from URLs given on the command line (a cluster
reached through ``kubectl port-forward``).

Every service of a selected implementation is started, or the run stops: a service
package that cannot be imported is an error naming it (``devstack.packages``), never a
column of the report quietly marked missing, which a reader would take for a result."""

from __future__ import annotations

import os
import secrets
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from bench.processes import Server
from bench.seed import SEED_PASSWORD, SIZES, seed
from devstack.net import free_port
from devstack.packages import require_module
from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis
from saaskit.db.migrate import upgrade
from saaskit.security.keys import ensure_key_dir

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
DATABASE = "bench"
GUNICORN_CONF = ROOT / "services/admin/gunicorn.conf.py"
# Each implementation talks to PostgreSQL as its own role, so pg_stat_statements (keyed
# by role) counts each one's statements apart, and the worker's apart from both.
ROLES = {
    "fastapi": "bench_fastapi",
    "django": "bench_django",
    "floor": "bench_floor",
    "worker": "bench_worker",
}
SERVICES_PER_TARGET = {
    "fastapi": ("auth", "resources", "files"),
    "django": ("admin",),
    "floor": ("floor",),
}


@dataclass(frozen=True)
class StackOptions:
    size: str = "tiny"
    seed: int = 42
    workers: int = 1
    pool_size: int = 10
    server_cpus: tuple[int, ...] | None = None
    durable: bool = True


@dataclass
class Target:
    """One implementation as k6 sees it."""

    name: str
    base_url: str
    auth_url: str
    files_url: str
    metrics_urls: dict[str, str]  # service -> its /metrics
    configuration: str

    def k6_env(self) -> dict[str, str]:
        return {"BASE_URL": self.base_url, "AUTH_URL": self.auth_url, "FILES_URL": self.files_url}


@dataclass
class Stack:
    targets: dict[str, Target]
    users: int
    posts: int
    username: str = "user1"
    password: str = SEED_PASSWORD
    admin_database_url: str | None = None  # superuser connection for pg_stat_statements
    worker_metrics_url: str | None = None
    settings: dict[str, object] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)
    # For servers started beside the stack (bench.variants): the environment every server
    # gets (without APP_DATABASE_URL), each role's database URL, the seeding time.
    env: dict[str, str] = field(default_factory=dict)
    database_urls: dict[str, str] = field(default_factory=dict)
    seed_seconds: float | None = None


# What each implementation's servers import, and the worker every job scenario needs.
REQUIRED_MODULES = {
    "fastapi": ("auth_service.main", "resources_service.main", "files_service.main"),
    "django": ("admin_service.wsgi", "admin_service.urls"),
    "worker": ("worker.__main__",),
}


def uvicorn_argv(app: str, port: int, workers: int) -> list[str]:
    return [
        str(BIN / "uvicorn"),
        app,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        "--timeout-graceful-shutdown",
        "5",
    ]


def gunicorn_argv(port: int, workers: int) -> list[str]:
    return [
        str(BIN / "gunicorn"),
        "-c",
        str(GUNICORN_CONF),
        "admin_service.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]


def _prepare_database(pg: EmbeddedPostgres) -> str:
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        for role in ROLES.values():
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                # Loopback-only throwaway cluster with trust auth: superuser keeps it simple.
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN SUPERUSER").format(sql.Identifier(role)))
    return pg.create_database(DATABASE)


def _role_url(pg: EmbeddedPostgres, role: str) -> str:
    return f"postgresql://{role}@{pg.host}:{pg.port}/{DATABASE}"


@contextmanager
def _affinity(cpus: tuple[int, ...] | None):
    """Children started inside inherit ``cpus`` (PostgreSQL and Redis fork their own)."""
    if not cpus:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


@contextmanager
def local_stack(options: StackOptions, work_dir: Path, log, selected: tuple[str, ...]):
    """Start everything; yields a ``Stack``; stops everything on exit. ``log(str)`` reports."""
    # Checked before anything starts. The floor logs in through FastAPI's auth.
    for name in ("fastapi", *selected, "worker"):
        for module in REQUIRED_MODULES.get(name, ()):
            require_module(module, "the benchmark")
    if "django" in selected and not GUNICORN_CONF.exists():
        raise FileNotFoundError(f"the Django server's configuration is missing: {GUNICORN_CONF}")
    logs = work_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    per_worker = options.workers * options.pool_size
    max_connections = per_worker * 5 + options.pool_size + 30
    pg = EmbeddedPostgres(
        work_dir / "postgres",
        free_port(),
        durable=options.durable,
        extra_settings={
            "shared_preload_libraries": "pg_stat_statements",
            "pg_stat_statements.max": "10000",
            "max_connections": str(max_connections),
        },
    )
    redis = EmbeddedRedis(work_dir / "redis", free_port(), durable=False)
    servers: list[Server] = []
    try:
        with _affinity(options.server_cpus):
            log(f"postgres starting (port {pg.port}), redis (port {redis.port})")
            pg.start(logs / "postgres.log")
            redis.start(logs / "redis.log")
        admin_url = pg.url()
        database_url = _prepare_database(pg)
        log("migrations")
        upgrade(database_url)
        started = time.monotonic()
        log(f"seeding the {options.size!r} data set (seed {options.seed})")
        counts = seed(database_url, options.size, options.seed)
        seed_seconds = time.monotonic() - started
        log(f"seeded in {seed_seconds:.0f}s")

        keys = ensure_key_dir(work_dir / "keys")
        storage = work_dir / "storage"
        storage.mkdir(exist_ok=True)
        auth_port = free_port()
        base_env = {
            **os.environ,
            "APP_ENVIRONMENT": "production",
            "APP_SECRET_KEY": secrets.token_urlsafe(32),
            # Plain HTTP on loopback: no TLS proxy, so no HTTPS redirect or secure cookies.
            "APP_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "APP_CSRF_TRUSTED_ORIGINS": "http://127.0.0.1,http://localhost",
            "APP_REDIS_URL": redis.url(),
            "APP_DATABASE_POOL_SIZE": str(options.pool_size),
            "APP_JWT_KEYS_DIR": str(keys),
            "APP_JWKS_URL": f"http://127.0.0.1:{auth_port}/.well-known/jwks.json",
            "APP_STORAGE_LOCAL_DIR": str(storage),
            "APP_LOG_LEVEL": "WARNING",
            "APP_LOG_JSON": "true",
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
        }

        def server(
            name: str, argv: list[str], role: str, port: int, multiprocess: bool = True, **extra
        ) -> Server:
            env = {
                **base_env,
                "APP_DATABASE_URL": _role_url(pg, ROLES[role]),
                "APP_SERVICE_NAME": name,
                **extra.pop("env", {}),
            }
            # Multiprocess metrics only where a master forks workers: saaskit then reports
            # the process tree of the worker's parent, which for a lone process would be
            # this harness (and k6, PostgreSQL...). A lone process reports itself.
            if multiprocess:
                multiproc = work_dir / "prometheus" / name
                multiproc.mkdir(parents=True, exist_ok=True)
                env["PROMETHEUS_MULTIPROC_DIR"] = str(multiproc)
            s = Server(
                name,
                argv,
                env,
                port,
                logs / f"{name}.log",
                cwd=ROOT,
                cpus=options.server_cpus,
                **extra,
            )
            servers.append(s)
            return s

        def start(s: Server) -> Server:
            log(f"starting {s.name}")
            s.start()
            return s

        w = options.workers
        forks = w > 1  # uvicorn --workers 1 runs one process, no supervisor
        targets: dict[str, Target] = {}
        commands: dict[str, str] = {}
        auth = start(
            server(
                "auth",
                uvicorn_argv("auth_service.main:create_app", auth_port, w),
                "fastapi",
                auth_port,
                multiprocess=forks,
            )
        )
        urls = {"auth": auth.url}
        for name, module in (
            ("resources", "resources_service.main"),
            ("files", "files_service.main"),
        ):
            port = free_port()
            urls[name] = start(
                server(
                    name,
                    uvicorn_argv(f"{module}:create_app", port, w),
                    "fastapi",
                    port,
                    multiprocess=forks,
                )
            ).url
        targets["fastapi"] = Target(
            "fastapi",
            urls["resources"],
            auth.url,
            urls["files"],
            {n: f"{u}/metrics" for n, u in urls.items()},
            f"uvicorn --workers {w} --loop uvloop --http httptools --no-access-log; "
            f"asyncpg pool {options.pool_size} per worker process",
        )

        if "django" in selected:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            admin = server("admin", gunicorn_argv(port, w), "django", port)
            log("django: manage migrate (Django's own tables)")
            _run(
                [str(BIN / "python"), "-m", "admin_service.manage", "migrate", "--noinput"],
                admin.env,
                logs / "admin-migrate.log",
            )
            start(admin)
            targets["django"] = Target(
                "django",
                url,
                url,
                url,
                {"admin": f"{url}/metrics"},
                f"gunicorn -c services/admin/gunicorn.conf.py --workers {w}; "
                f"psycopg pool {options.pool_size} per worker process",
            )

        if "floor" in selected:
            port = free_port()
            floor = start(
                server(
                    "floor",
                    uvicorn_argv("bench.floor:create_app", port, w),
                    "floor",
                    port,
                    multiprocess=forks,
                )
            )
            targets["floor"] = Target(
                "floor",
                floor.url,
                auth.url,
                "",
                {"floor": f"{floor.url}/metrics"},
                f"uvicorn --workers {w} --loop uvloop --http httptools --no-access-log "
                f"(Starlette + asyncpg, no ORM); asyncpg pool {options.pool_size} "
                "per worker process",
            )

        port = free_port()
        start(
            server(
                "worker",
                [str(BIN / "python"), "-m", "worker"],
                "worker",
                port,
                multiprocess=False,
                health_path="/metrics",
                env={"APP_WORKER_METRICS_PORT": str(port)},
            )
        )
        worker_metrics = f"http://127.0.0.1:{port}/metrics"

        for s in servers:
            # As a reader reruns them from the repository root, not as this machine had them.
            commands[s.name] = " ".join(s.argv).replace(f"{ROOT}/", "")
        yield Stack(
            targets=targets,
            users=counts.users,
            posts=counts.posts,
            admin_database_url=admin_url,
            env=base_env,
            database_urls={name: _role_url(pg, role) for name, role in ROLES.items()},
            seed_seconds=seed_seconds,
            worker_metrics_url=worker_metrics,
            settings={
                "workers_per_server": w,
                "database_pool_per_worker": options.pool_size,
                "database_pool_total_per_implementation": per_worker,
                "postgres_max_connections": max_connections,
                "postgres_durable": options.durable,
                "data_set": options.size,
                "seed": options.seed,
                "APP_ENVIRONMENT": "production",
                "APP_LOG_LEVEL": "WARNING",
            },
            commands=commands,
        )
    finally:
        for s in reversed(servers):
            s.stop()
        redis.stop()
        pg.stop()


def _run(argv: list[str], env: dict[str, str], log_path: Path, timeout: float = 300) -> None:
    import subprocess

    with open(log_path, "ab") as log:
        result = subprocess.run(  # noqa: S603 - argv built here
            argv,
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    if result.returncode != 0:
        tail = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}):\n{tail}")


def remote_stack(
    size: str,
    fastapi_url: str | None,
    fastapi_auth_url: str | None,
    fastapi_files_url: str | None,
    django_url: str | None,
    floor_url: str | None,
    database_url: str | None,
) -> Stack:
    """A stack someone else runs (already migrated and seeded with ``size``)."""
    targets: dict[str, Target] = {}
    if fastapi_url:
        auth = fastapi_auth_url or fastapi_url
        files = fastapi_files_url or fastapi_url
        metrics = {
            "resources": f"{fastapi_url}/metrics",
            "auth": f"{auth}/metrics",
            "files": f"{files}/metrics",
        }
        unique = {}  # one service behind one URL is scraped (and counted) once
        for name, url in metrics.items():
            unique.setdefault(url, name)
        targets["fastapi"] = Target(
            "fastapi",
            fastapi_url,
            auth,
            files,
            {name: url for url, name in unique.items()},
            "given by URL",
        )
    if django_url:
        targets["django"] = Target(
            "django",
            django_url,
            django_url,
            django_url,
            {"admin": f"{django_url}/metrics"},
            "given by URL",
        )
    if floor_url:
        auth = fastapi_auth_url or fastapi_url or django_url or floor_url
        targets["floor"] = Target(
            "floor", floor_url, auth, "", {"floor": f"{floor_url}/metrics"}, "given by URL"
        )
    counts = SIZES[size]
    return Stack(
        targets=targets,
        users=counts.users,
        posts=counts.posts,
        admin_database_url=database_url,
        settings={"data_set": size, "stack": "remote"},
    )
