"""The two implementations as real processes, and one client that speaks to either.

FastAPI: auth, resources and files, one uvicorn process each; the client routes each
path prefix to its service. Django: one gunicorn server answering every path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from devstack.packages import require_module
from tests.support.env import service_settings, settings_env
from tests.support.servers import loopback_socket, process_server, socket_port

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


@dataclass
class Stack:
    name: str
    urls: dict[str, str]  # service -> base URL; Django has one, under every name
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=15.0))

    @property
    def auth(self) -> str:
        """The base URL that serves /auth (for ``tests.support.api``)."""
        return self.urls["auth"]

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()  # its keep-alive connections, before the servers stop

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
    database_url: str, redis_url: str, keys_dir: Path, storage_dir: Path
) -> dict[str, str]:
    """The services' environment (the JWKS URL is added by ``fastapi_stack``, which binds
    the auth service's port; Django reads its keys from the directory)."""
    return settings_env(service_settings(
        secret_key="contract-test-secret",
        allowed_hosts=("127.0.0.1", "localhost"),
        csrf_trusted_origins=("http://127.0.0.1", "http://localhost"),
        database_url=database_url,
        redis_url=redis_url,
        database_pool_size=4,
        jwt_keys_dir=keys_dir,
        jwt_issuer="http://contract-tests",
        jwks_min_refresh_seconds=0,
        storage_backend="local",
        storage_local_dir=storage_dir,
        max_upload_bytes=1024 * 1024,
        # The preview tests' upstream listens on 127.0.0.1 (tests/support/upstream.py),
        # which the address policy refuses in production; a short timeout keeps the
        # "upstream too slow" test short. The policy itself: tests/kit/test_preview_policy.py.
        preview_allow_private=True,
        preview_timeout_seconds=1.0,
    ))


@contextmanager
def fastapi_stack(env: dict[str, str], logs: Path) -> Iterator[Stack]:
    """Auth first, on a socket bound here whose port goes into every service's JWKS URL."""
    for module in FASTAPI_SERVICES.values():
        require_module(module, "the contract suite's FastAPI stack")
    auth_socket = loopback_socket()
    env = {**env, "APP_JWKS_URL": f"http://127.0.0.1:{socket_port(auth_socket)}/.well-known/jwks.json"}
    with ExitStack() as stack:
        urls = {}
        for service, module in FASTAPI_SERVICES.items():
            command = [
                str(BIN / "uvicorn"),
                f"{module}:create_app",
                "--factory",
                "--fd",
                "{fd}",
                "--no-access-log",
                # As the images run it (UVICORN_HTTP): gunicorn's bounds on a request head.
                "--http",
                "saaskit.web.server:HttpToolsProtocol",
            ]
            urls[service] = stack.enter_context(
                process_server(
                    command,
                    env,
                    sock=auth_socket if service == "auth" else None,
                    cwd=ROOT,
                    log_path=logs / f"{service}.log",
                )
            )
        with Stack("fastapi", urls) as ready:
            yield ready


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
    require_module("admin_service.wsgi", "the contract suite's Django stack")
    if migrate:
        django_migrate(env, logs)
    command = [
        str(BIN / "gunicorn"),
        "-c",
        str(ROOT / "services/admin/gunicorn.conf.py"),
        "--bind",
        "fd://{fd}",
        "admin_service.wsgi:application",
    ]
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "GUNICORN_WORKERS": "2"}
    with process_server(command, env, cwd=ROOT, log_path=logs / "django.log") as url:
        with Stack("django", dict.fromkeys(FASTAPI_SERVICES, url)) as ready:
            yield ready
