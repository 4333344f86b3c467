"""Cold start, idle memory and the time an extra pod takes to serve, measured on the
service images run with podman as a pod would run them (host network, read-only root,
only ``/tmp`` writable, no capabilities), against a PostgreSQL and a Redis started here.

Definitions (the report repeats them):
- cold start: from just before ``podman run`` is invoked to the first 200 from
  ``/readyz`` (the worker, which serves no API, from its ``/metrics``), polled every
  20 ms. ``in_container`` is the same end minus the container's own ``StartedAt``, so
  the runtime's share (creating the container) is ``seconds - in_container``.
- idle memory: after 60 real requests and a 2 s pause, the RSS of every process in the
  container (the server and, with more than one, its workers) and their summed PSS,
  which counts pages forked workers share once. Read with psutil from the host.
- CPU: the user + system seconds of every process in the container (psutil, from the
  host), read when the cold start ends (what starting cost), and around 50 real requests
  after 10 of warm-up (the difference over 50: CPU per request, on the same route for
  the resources service and the Django twin, ``GET /users/{id}``; the kernel counts in
  10 ms ticks, so the 50 are what makes the figure resolvable).
- extra pod: while the cold-started container serves, one more container of the same
  service is started; the time from ``podman run`` to its first 200 on a real,
  authenticated request (not a probe): what a scale-up waits for before the new pod
  adds capacity.

Invariant: every container and server started here is removed on the way out, whatever
fails; every wait is bounded.
"""

from __future__ import annotations

import os
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.cost.intervals import median_interval
from devstack.net import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis
from saas_images.engine import Engine
from saaskit.security.keys import ensure_key_dir

KEYS = "/var/run/saas/keys"
STORAGE = "/var/lib/saas/storage"
MIGRATE = (
    "python -m saaskit.db.migrate upgrade && exec python -m admin_service.manage migrate --noinput"
)
POLL_SECONDS = 0.02
START_TIMEOUT = 120.0
WARM_UP_REQUESTS = 10
MEASURED_REQUESTS = 50  # CPU per request: over these, after the warm-up
SETTLE_SECONDS = 2.0
HTTP_SERVICES = ("auth", "resources", "files", "admin")
# The first real request each service serves: (path, needs the user's id).
REAL_REQUEST = {
    "auth": "/auth/me",
    "resources": "/users/{user_id}",
    "files": "/files",
    "admin": "/users/{user_id}",
}


@dataclass
class Fixture:
    """What the containers run against: the servers, keys, storage, one user's token."""

    engine: Engine
    env: dict[str, str]
    keys: Path
    storage: Path
    token: str = ""
    user_id: int = 0
    auth_url: str = ""
    names: list[str] = field(default_factory=list)


def _readable(path: Path) -> None:
    """The image's uid 10001 reads the keys (a Secret volume's files are 0644)."""
    path.chmod(0o755)
    for item in path.iterdir():
        item.chmod(0o644)


def _server_env(service: str, port: int, processes: int) -> dict[str, str]:
    if service == "admin":
        return {"GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(processes)}
    if service == "worker":
        return {"APP_WORKER_METRICS_HOST": "127.0.0.1", "APP_WORKER_METRICS_PORT": str(port)}
    return {"UVICORN_HOST": "127.0.0.1", "UVICORN_PORT": str(port),
            "WEB_CONCURRENCY": str(processes)}


def _volumes(fixture: Fixture, service: str) -> dict[Path, str]:
    volumes = {}
    if service in ("auth", "admin"):
        volumes[fixture.keys] = f"{KEYS}:ro"
    if service in ("files", "admin", "worker"):
        volumes[fixture.storage] = STORAGE
    return volumes


def _run_argv(fixture: Fixture, service: str, name: str, env: dict[str, str],
              command: list[str] | None = None, detach: bool = True) -> list[str]:
    return fixture.engine.run_hardened(service, name, {**fixture.env, **env}, _volumes(fixture, service),
                                       command, detach=detach)


@dataclass
class Running:
    fixture: Fixture
    service: str
    name: str
    url: str
    launched: float  # time.time() just before podman run

    def inspect(self, template: str) -> str:
        engine = self.fixture.engine
        out = engine.run(engine.podman("inspect", "--format", template, self.name), check=False)
        return out.stdout.decode().strip()

    def logs(self) -> str:
        engine = self.fixture.engine
        out = engine.run(engine.podman("logs", self.name), check=False)
        return (out.stdout + out.stderr).decode(errors="replace")[-4000:]

    def wait_for(self, path: str, headers: dict[str, str] | None = None) -> float:
        """Seconds from ``launched`` to the first 200 on ``path``."""
        deadline = time.monotonic() + START_TIMEOUT
        next_check = time.monotonic() + 2.0
        with httpx.Client(base_url=self.url, headers=headers or {}, timeout=5.0) as client:
            while time.monotonic() < deadline:
                try:
                    if client.get(path).status_code == 200:
                        return time.time() - self.launched
                except httpx.TransportError:
                    pass
                if time.monotonic() > next_check:
                    next_check = time.monotonic() + 2.0
                    if self.inspect("{{.State.Running}}") != "true":
                        raise RuntimeError(f"{self.name} exited:\n{self.logs()}")
                time.sleep(POLL_SECONDS)
        raise TimeoutError(f"{self.name}: no 200 on {path} in {START_TIMEOUT:.0f}s\n{self.logs()}")

    def started_at(self) -> float:
        return int(self.inspect("{{.State.StartedAt.UnixNano}}")) / 1e9

    def _processes(self) -> list[psutil.Process]:
        root = psutil.Process(int(self.inspect("{{.State.Pid}}")))
        return [root, *sorted(root.children(recursive=True), key=lambda p: p.pid)]

    def cpu_seconds(self) -> float:
        """User + system CPU of every process in the container so far, exited children
        its processes waited for included."""
        total = 0.0
        for process in self._processes():
            t = process.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        return total

    def memory(self) -> dict:
        processes = self._processes()
        rss, pss, commands = [], 0, []
        for process in processes:
            info = process.memory_full_info()
            rss.append(info.rss)
            pss += info.pss
            commands.append(" ".join(process.cmdline())[:120])
        return {"processes": len(processes), "rss_bytes": rss, "pss_total_bytes": pss,
                "commands": commands}


@contextmanager
def container(fixture: Fixture, service: str, processes: int = 1) -> Iterator[Running]:
    port = free_port()
    name = f"saas-cost-{service}-{uuid.uuid4().hex[:8]}"
    argv = _run_argv(fixture, service, name, _server_env(service, port, processes))
    launched = time.time()
    try:  # a container podman created but could not start is removed too
        fixture.engine.run(argv, timeout=START_TIMEOUT)
        yield Running(fixture, service, name, f"http://127.0.0.1:{port}", launched)
    finally:
        fixture.engine.run(fixture.engine.podman("rm", "--force", "--time", "0", name),
                           check=False, timeout=60)


def _ready_path(service: str) -> str:
    return "/metrics" if service == "worker" else "/readyz"


def _real(fixture: Fixture, service: str) -> tuple[str, dict[str, str]]:
    path = REAL_REQUEST[service].format(user_id=fixture.user_id)
    return path, {"Authorization": f"Bearer {fixture.token}"}


@contextmanager
def fixture(engine: Engine, log) -> Iterator[Fixture]:
    """PostgreSQL and Redis on 127.0.0.1, the schema migrated by the admin image's command
    (as the chart's hook Job runs it), keys, storage, a serving auth container and a user."""
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-cost-")))
        pg = EmbeddedPostgres(work / "postgres", free_port(), durable=False)
        pg.start(work / "postgres.log")
        stack.callback(pg.stop)
        redis = EmbeddedRedis(work / "redis", free_port(), durable=False)
        redis.start(work / "redis.log")
        stack.callback(redis.stop)
        keys = ensure_key_dir(work / "keys")
        _readable(keys)
        storage = work / "storage"
        storage.mkdir()
        storage.chmod(0o777)  # written by the image's uid 10001
        auth_port = free_port()
        env = {
            "APP_ENVIRONMENT": "production",
            "APP_SECRET_KEY": secrets.token_urlsafe(32),
            "APP_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "APP_CSRF_TRUSTED_ORIGINS": "http://127.0.0.1,http://localhost",
            "APP_DATABASE_URL": pg.create_database("cost"),
            "APP_REDIS_URL": redis.url(),
            "APP_DATABASE_POOL_SIZE": "5",
            "APP_JWT_KEYS_DIR": KEYS,
            "APP_JWT_ISSUER": "http://bench-cost",
            "APP_JWKS_URL": f"http://127.0.0.1:{auth_port}/.well-known/jwks.json",
            "APP_ACCESS_TOKEN_TTL_SECONDS": "86400",
            "APP_STORAGE_BACKEND": "local",
            "APP_STORAGE_LOCAL_DIR": STORAGE,
            "APP_LOG_LEVEL": "WARNING",
        }
        fx = Fixture(engine, env, keys, storage)
        log("migrating (the admin image's migration command)")
        name = f"saas-cost-migrate-{uuid.uuid4().hex[:8]}"
        try:
            done = engine.run(_run_argv(fx, "admin", name, {}, ["sh", "-c", MIGRATE], detach=False),
                              check=False, timeout=300)
        finally:
            engine.run(engine.podman("rm", "--force", "--time", "0", name), check=False)
        if done.returncode != 0:
            raise RuntimeError((done.stdout + done.stderr).decode(errors="replace")[-4000:])

        log("starting the auth container the others verify tokens with (JWKS)")
        name = f"saas-cost-auth-jwks-{uuid.uuid4().hex[:8]}"
        stack.callback(engine.run, engine.podman("rm", "--force", "--time", "0", name),
                       check=False, timeout=60)
        launched = time.time()
        engine.run(_run_argv(fx, "auth", name, _server_env("auth", auth_port, 1)))
        auth = Running(fx, "auth", name, f"http://127.0.0.1:{auth_port}", launched)
        auth.wait_for("/readyz")
        fx.auth_url = auth.url
        password = secrets.token_urlsafe(12) + "a1"
        me = httpx.post(f"{auth.url}/auth/register", timeout=30, json={
            "email": "cost@example.com", "username": "cost", "password": password})
        me.raise_for_status()
        pair = httpx.post(f"{auth.url}/auth/token", timeout=30,
                          data={"username": "cost", "password": password})
        pair.raise_for_status()
        fx.user_id, fx.token = me.json()["id"], pair.json()["access_token"]
        yield fx


def measure_once(fx: Fixture, service: str, processes: int) -> dict:
    """One cold start, its idle memory, and one extra pod beside it."""
    with container(fx, service, processes) as first:
        seconds = first.wait_for(_ready_path(service))
        sample: dict[str, Any] = {"cold_start_s": seconds,
                  "cold_start_in_container_s": first.launched + seconds - first.started_at(),
                  "start_cpu_s": first.cpu_seconds()}
        if service in HTTP_SERVICES:
            path, headers = _real(fx, service)
            with httpx.Client(base_url=first.url, headers=headers, timeout=30) as client:
                for _ in range(WARM_UP_REQUESTS):
                    client.get(path).raise_for_status()
                before = first.cpu_seconds()
                for _ in range(MEASURED_REQUESTS):
                    client.get(path).raise_for_status()
            sample["cpu_per_request_ms"] = (first.cpu_seconds() - before) / MEASURED_REQUESTS * 1000
        time.sleep(SETTLE_SECONDS)
        sample["memory"] = first.memory()
        if service in HTTP_SERVICES:
            with container(fx, service, processes) as extra:
                sample["extra_pod_first_request_s"] = extra.wait_for(*_real(fx, service))
    return sample


def _stats(values: list[float]) -> dict:
    """Median, min, max, the order-statistic interval (bench.cost.intervals), every run."""
    return {**median_interval(values), "min": min(values), "max": max(values),
            "runs": values}


def summarise(samples: list[dict]) -> dict:
    out = {
        "repeats": len(samples),
        "cold_start_s": _stats([s["cold_start_s"] for s in samples]),
        "cold_start_in_container_s": _stats([s["cold_start_in_container_s"] for s in samples]),
        "processes": samples[0]["memory"]["processes"],
        # Per process, the median over repeats of that process's RSS (same order: the
        # container's first process, then its children).
        "idle_rss_bytes": [
            statistics.median(s["memory"]["rss_bytes"][i] for s in samples)
            for i in range(min(len(s["memory"]["rss_bytes"]) for s in samples))
        ],
        "idle_pss_total_bytes": statistics.median(s["memory"]["pss_total_bytes"] for s in samples),
        "idle_pss": _stats([s["memory"]["pss_total_bytes"] for s in samples]),
        "start_cpu_s": _stats([s["start_cpu_s"] for s in samples]),
        "cpu_per_request_ms": None,
        "process_commands": samples[0]["memory"]["commands"],
        "extra_pod_first_request_s": None,
    }
    per_request = [s["cpu_per_request_ms"] for s in samples if "cpu_per_request_ms" in s]
    if per_request:
        out["cpu_per_request_ms"] = _stats(per_request)
    extra = [s["extra_pod_first_request_s"] for s in samples if "extra_pod_first_request_s" in s]
    if extra:
        out["extra_pod_first_request_s"] = _stats(extra)
    return out


def measure(engine: Engine, services: tuple[str, ...], repeats: int,
            processes: tuple[int, ...], log) -> dict:
    """``{processes: {service: summary}}``, plus the load average around the measurement.
    Repeats are interleaved (every service and process count once, then again), so a
    change in the machine's load hits every row alike instead of the last ones."""
    load_start = os.getloadavg()[0]
    cells = [(count, service) for count in processes for service in services
             # The worker is one process always: arq runs its jobs on one event loop.
             if service != "worker" or count == 1]
    samples: dict[tuple[int, str], list[dict]] = {cell: [] for cell in cells}
    with fixture(engine, log) as fx:
        for i in range(repeats):
            for count, service in cells:
                log(f"run {i + 1} of {repeats}: {service}, {count} process(es)")
                samples[count, service].append(measure_once(fx, service, count))
    results: dict[str, dict] = {}
    for (count, service), runs in samples.items():
        results.setdefault(str(count), {})[service] = summarise(runs)
    return {"load_average_1m": {"start": load_start, "end": os.getloadavg()[0]},
            "by_processes": results}
