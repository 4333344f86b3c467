"""The two implementations as real processes, and one client that speaks to either.

FastAPI: auth, resources and files, one uvicorn process each; the client routes each
path prefix to its service. Django: one gunicorn server answering every path.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.servers import process_server

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

FASTAPI_SERVICES = {
    "auth": "auth_service.main",
    "resources": "resources_service.main",
    "files": "files_service.main",
}
# Which FastAPI service serves a path, by its first segment.
PREFIXES = {
    "auth": "auth",
    ".well-known": "auth",
    "users": "resources",
    "posts": "resources",
    "comments": "resources",
    "jobs": "resources",
    "files": "files",
}


def service_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@dataclass
class Stack:
    name: str
    urls: dict[str, str]  # service -> base URL; Django has one, under every name
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=15.0))

    @property
    def auth(self) -> str:
        """The base URL that serves /auth (for ``tests.support.api``)."""
        return self.urls["auth"]

    def has(self, service: str) -> bool:
        return service in self.urls

    def url(self, path: str) -> str:
        first = path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
        service = PREFIXES.get(first, "resources")
        return self.urls[service] + path

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        return self.client.request(method, self.url(path), **kwargs)

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


def service_env(
    database_url: str, redis_url: str, keys_dir: Path, storage_dir: Path, auth_port: int
) -> dict[str, str]:
    return {
        "APP_ENVIRONMENT": "test",
        "APP_SECRET_KEY": "contract-test-secret",
        "APP_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "APP_CSRF_TRUSTED_ORIGINS": "http://127.0.0.1,http://localhost",
        "APP_DATABASE_URL": database_url,
        "APP_REDIS_URL": redis_url,
        "APP_DATABASE_POOL_SIZE": "4",
        "APP_JWT_KEYS_DIR": str(keys_dir),
        "APP_JWT_ISSUER": "http://contract-tests",
        "APP_JWKS_URL": f"http://127.0.0.1:{auth_port}/.well-known/jwks.json",
        "APP_JWKS_MIN_REFRESH_SECONDS": "0",
        "APP_STORAGE_BACKEND": "local",
        "APP_STORAGE_LOCAL_DIR": str(storage_dir),
        "APP_MAX_UPLOAD_BYTES": str(1024 * 1024),
        "APP_ARGON2_TIME_COST": "1",
        "APP_ARGON2_MEMORY_KIB": "1024",
        "APP_ARGON2_PARALLELISM": "1",
        "APP_LOG_LEVEL": "WARNING",
        "APP_LOG_JSON": "false",
    }


@contextmanager
def fastapi_stack(env: dict[str, str], auth_port: int, logs: Path) -> Iterator[Stack]:
    with ExitStack() as stack:
        urls = {}
        for service, module in FASTAPI_SERVICES.items():
            if not service_exists(module):
                continue  # not written yet: its tests run against Django only
            command = [
                str(BIN / "uvicorn"),
                f"{module}:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
                "--no-access-log",
            ]
            urls[service] = stack.enter_context(
                process_server(
                    command,
                    env,
                    port=auth_port if service == "auth" else None,
                    cwd=ROOT,
                    log_path=logs / f"{service}.log",
                )
            )
        yield Stack("fastapi", urls)


def django_migrate(env: dict[str, str], logs: Path) -> None:
    with open(logs / "django-migrate.log", "ab") as log:
        subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            [str(BIN / "python"), "-m", "admin_service.manage", "migrate", "--noinput"],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=120,
        )


@contextmanager
def django_stack(
    env: dict[str, str], logs: Path, metrics_dir: Path, migrate: bool = True
) -> Iterator[Stack]:
    if migrate:
        django_migrate(env, logs)
    command = [
        str(BIN / "gunicorn"),
        "-c",
        str(ROOT / "services/admin/gunicorn.conf.py"),
        "--bind",
        "127.0.0.1:{port}",
        "admin_service.wsgi:application",
    ]
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "GUNICORN_WORKERS": "2"}
    with process_server(command, env, cwd=ROOT, log_path=logs / "django.log") as url:
        yield Stack("django", dict.fromkeys(FASTAPI_SERVICES, url))
