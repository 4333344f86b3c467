"""``python -m bench.ratio``: the resources service's ``GET /users/{id}`` against the floor.

Everything runs here, on loopback and free ports: an embedded PostgreSQL and Redis, the
migrations, the ``tiny`` data set, the auth service (it publishes the JWKS and logs the
load user in), then the resources service and the floor as real uvicorn servers in the
same configuration (``--workers``, uvloop, httptools, no access log, the same pool
size per worker). After a warm-up, k6 loads each server in turn (closed model, a fixed
number of virtual users, each request for a random user id with a valid token), for a
few alternating repetitions, and the medians and the ratio resources / floor are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from bench.processes import Server, pinned_argv
from bench.seed import SEED_PASSWORD, seed
from devstack.net import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis
from saaskit.db.migrate import upgrade
from saaskit.security.keys import ensure_key_dir

BIN = Path(sys.executable).parent
K6_SCRIPT = """
import http from 'k6/http';
const params = { headers: { Authorization: `Bearer ${__ENV.TOKEN}` } };
const users = parseInt(__ENV.USERS);
export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ['p(50)', 'p(90)', 'p(99)', 'max'],
};
export default function () {
  const id = 1 + Math.floor(Math.random() * users);
  http.get(`${__ENV.BASE}/users/${id}`, params);
}
export function handleSummary(data) { return { [__ENV.OUT]: JSON.stringify(data) }; }
"""


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    k6_cpu: float  # share of one core the load generator used


def _cpus(spec: str | None) -> tuple[int, ...] | None:
    return tuple(int(c) for c in spec.split(",")) if spec else None


@contextlib.contextmanager
def _server(app: str, env: dict[str, str], workdir: Path, workers: int,
            cpus: str | None, port: int | None = None) -> Iterator[str]:
    name = app.split(".")[0]
    metrics_dir = workdir / f"prom-{name}"
    metrics_dir.mkdir(exist_ok=True)
    port = port or free_port()
    server = Server(
        name=name,
        argv=[str(BIN / "uvicorn"), app, "--factory", "--host", "127.0.0.1", "--port", str(port),
              "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
              "--no-access-log", "--log-level", "warning"],
        env={**os.environ, **env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
        port=port, log_path=workdir / f"{name}.log", cpus=_cpus(cpus),
    )
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def _k6(name: str, base: str, token: str, users: int, vus: int, seconds: float,
        workdir: Path, cpus: str | None) -> Result:
    script = workdir / "simple_get.js"
    script.write_text(K6_SCRIPT)
    out = workdir / f"k6-{name}.json"
    argv, pin = pinned_argv([str(BIN / "k6"), "run", "--quiet", "--no-usage-report", "--vus",
                             str(vus), "--duration", f"{seconds}s", str(script)], _cpus(cpus))
    env = {**os.environ, "BASE": base, "TOKEN": token, "USERS": str(users), "OUT": str(out),
           "K6_NO_USAGE_REPORT": "true"}
    started = time.monotonic()
    proc = psutil.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                        preexec_fn=pin)
    cpu = 0.0
    with contextlib.suppress(psutil.Error):
        while proc.poll() is None:
            times = proc.cpu_times()
            cpu = times.user + times.system
            time.sleep(0.2)
    wall = time.monotonic() - started
    if proc.wait() != 0:
        raise RuntimeError(f"k6 failed: {proc.stderr.read().decode()[-2000:]}")
    metrics = json.loads(out.read_text())["metrics"]
    duration = metrics["http_req_duration"]["values"]
    return Result(
        name=name,
        rps=metrics["http_reqs"]["values"]["rate"],
        p50_ms=duration["p(50)"],
        p99_ms=duration["p(99)"],
        errors=int(metrics["http_req_failed"]["values"]["passes"]),
        k6_cpu=cpu / wall,
    )


def _token(auth_url: str) -> str:
    response = httpx.post(f"{auth_url}/auth/token",
                          data={"username": "user1", "password": SEED_PASSWORD}, timeout=30)
    response.raise_for_status()
    return response.json()["access_token"]


def _print_results(results: list[Result], load_before: tuple[float, ...]) -> float:
    print(f"\n{'run':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'k6 cpu':>8}")
    for r in results:
        print(f"{r.name:<12}{r.rps:>10.0f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}{r.errors:>8}"
              f"{r.k6_cpu:>8.2f}")
    medians = {}
    for name in ("floor", "resources"):
        rates = [r.rps for r in results if r.name == name]
        medians[name] = statistics.median(rates)
        print(f"{name:<12} median {medians[name]:.0f} req/s (min {min(rates):.0f}, "
              f"max {max(rates):.0f})")
    ratio = medians["resources"] / medians["floor"]
    print(f"load average before the runs: {' '.join(f'{x:.2f}' for x in load_before)}; "
          f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"ratio resources / floor = {ratio:.2f}  (target >= 0.50)")
    return ratio


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--pool-size", type=int, default=10, help="database pool per worker")
    parser.add_argument("--vus", type=int, default=64, help="k6 virtual users (closed model)")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--server-cpus", default=None, help="taskset list for the servers, e.g. 0")
    parser.add_argument("--k6-cpus", default=None, help="taskset list for k6, e.g. 1")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-ratio-"))
    pg = EmbeddedPostgres(workdir / "postgres", free_port(), durable=False)
    rd = EmbeddedRedis(workdir / "redis", free_port(), durable=False)
    try:
        pg.start(workdir / "postgres.log")
        rd.start(workdir / "redis.log")
        database_url = pg.create_database("bench")
        upgrade(database_url)
        counts = seed(database_url, "tiny")
        auth_port = free_port()
        env = {
            "APP_ENVIRONMENT": "development",
            "APP_DATABASE_URL": database_url,
            "APP_REDIS_URL": rd.url(),
            "APP_DATABASE_POOL_SIZE": str(args.pool_size),
            "APP_JWT_KEYS_DIR": str(ensure_key_dir(workdir / "keys")),
            "APP_JWKS_URL": f"http://127.0.0.1:{auth_port}/.well-known/jwks.json",
            "APP_ACCESS_TOKEN_TTL_SECONDS": "3600",
            "APP_LOG_LEVEL": "WARNING",
        }
        print(f"machine: {os.cpu_count()} cores; servers on cpus {args.server_cpus or 'any'}, "
              f"k6 on cpus {args.k6_cpus or 'any'}; {args.workers} workers per server, "
              f"pool {args.pool_size} per worker; {args.vus} VUs, {args.seconds:.0f}s x "
              f"{args.repetitions} per server after {args.warmup:.0f}s warm-up; data: tiny "
              f"({counts.users} users)")
        results: list[Result] = []
        load_before = os.getloadavg()
        with (
            _server("auth_service.main:create_app", env, workdir, 1, args.server_cpus,
                    port=auth_port) as auth_url,
            _server("resources_service.main:create_app", env, workdir, args.workers,
                    args.server_cpus) as resources_url,
            _server("bench.floor:create_app", env, workdir, args.workers,
                    args.server_cpus) as floor_url,
        ):
            token = _token(auth_url)
            bases = {"floor": floor_url, "resources": resources_url}
            for name, base in bases.items():
                _k6(name, base, token, counts.users, args.vus, args.warmup, workdir, args.k6_cpus)
            for _ in range(args.repetitions):
                for name, base in bases.items():
                    result = _k6(name, base, token, counts.users, args.vus, args.seconds,
                                 workdir, args.k6_cpus)
                    print(f"  {name}: {result.rps:.0f} req/s, {result.errors} errors", flush=True)
                    results.append(result)
        ratio = _print_results(results, load_before)
        if any(r.errors for r in results):
            print("WARNING: some requests failed; see the server logs in", workdir)
        sys.exit(0 if ratio >= 0.5 else 1)
    finally:
        rd.stop()
        pg.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print("work directory kept:", workdir)


if __name__ == "__main__":
    main()
