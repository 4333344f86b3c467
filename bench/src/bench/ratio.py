"""``python -m bench.ratio``: the hot reads of each implementation against the floor.

The two reads the floor also implements, ``GET /users/{id}`` (the simple read) and
``GET /users/{id}/overview`` (ten posts with five comments each: the nested read), are
measured in one run against the same servers, so the ratios compare like with like even
on a machine whose load drifts. The system is the benchmark's own (``bench.stack``:
embedded PostgreSQL and Redis, the migrations, the chosen data set, every server in its
production configuration with the same ``--workers`` and pool size per worker); the floor
and the FastAPI resources service always run, the Django service with ``--django``. After
a warm-up per route and server, k6 loads each server in turn (closed model, a fixed
number of virtual users, each request for a random user id with a valid token), for a few
alternating repetitions; the medians and the ratios to the floor are printed per route,
with the CPU seconds each server's processes spent per 1,000 requests.

The exit status is 0 when FastAPI reaches each route's target share of the floor
(``TARGETS``: the simple read 0.5, the overview 0.6).
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
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import httpx
import psutil

from bench.processes import pinned_argv
from bench.seed import SEED_PASSWORD, SIZES
from bench.stack import StackOptions, local_stack

BIN = Path(sys.executable).parent
ROUTES = {
    "user": "/users/${id}",
    "overview": "/users/${id}/overview?posts_limit=10&comments_limit=5",
}
TARGETS = {"user": 0.5, "overview": 0.6}  # FastAPI req/s as a share of the floor's
SERVER_MARKERS = {  # a word of each measured server's command line
    "floor": "bench.floor:create_app",
    "fastapi": "resources_service.main:create_app",
    "django": "admin_service.wsgi:application",
}
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
  http.get(`${__ENV.BASE}%s`, params);
}
export function handleSummary(data) { return { [__ENV.OUT]: JSON.stringify(data) }; }
"""


@dataclass
class Result:
    route: str
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    k6_cpu: float  # share of one core the load generator used
    server_cpu_per_1k: float = 0.0  # CPU seconds the server's processes spent per 1,000


def _server_cpu_seconds(name: str) -> float:
    """User + system CPU of the server's master and all its workers so far."""
    mine: dict[int, psutil.Process] = {}
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if SERVER_MARKERS[name] in " ".join(proc.cmdline()):
                mine.update({p.pid: p for p in (proc, *proc.children(recursive=True))})
    total = 0.0
    for proc in mine.values():  # each once: gunicorn's forked workers match as well
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def _cpus(spec: str | None) -> tuple[int, ...] | None:
    return tuple(int(c) for c in spec.split(",")) if spec else None


def _k6(route: str, name: str, base: str, token: str, users: int, vus: int, seconds: float,
        workdir: Path, cpus: str | None) -> Result:
    script = workdir / f"{route}.js"
    script.write_text(K6_SCRIPT % ROUTES[route])
    out = workdir / f"k6-{route}-{name}.json"
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
        route=route,
        name=name,
        rps=metrics["http_reqs"]["values"]["rate"],
        p50_ms=duration["p(50)"],
        p99_ms=duration["p(99)"],
        errors=int(metrics["http_req_failed"]["values"]["passes"]),
        k6_cpu=cpu / wall,
    )


def _token(auth_url: str, user: int) -> str:
    # A different seeded account for every login: the per-account login limit (10 in
    # 5 minutes) would refuse the same account long before the run ends.
    response = httpx.post(f"{auth_url}/auth/token",
                          data={"username": f"user{user}", "password": SEED_PASSWORD},
                          timeout=30)
    response.raise_for_status()
    return response.json()["access_token"]


def _print_results(route: str, results: list[Result], names: list[str]) -> float:
    print(f"\n{route}: GET {ROUTES[route].replace('${id}', '{id}')}")
    print(f"{'run':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'k6 cpu':>8}"
          f"{'CPU s/1k':>10}")
    for r in results:
        print(f"{r.name:<12}{r.rps:>10.0f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}{r.errors:>8}"
              f"{r.k6_cpu:>8.2f}{r.server_cpu_per_1k:>10.2f}")
    medians = {}
    for name in names:
        rates = [r.rps for r in results if r.name == name]
        medians[name] = statistics.median(rates)
        cpu = statistics.median(r.server_cpu_per_1k for r in results if r.name == name)
        print(f"{name:<12} median {medians[name]:.0f} req/s (min {min(rates):.0f}, "
              f"max {max(rates):.0f}), {cpu:.2f} server CPU s per 1,000 requests")
    for name in names[1:]:
        target = f"  (target >= {TARGETS[route]:.2f})" if name == "fastapi" else ""
        print(f"{route}: ratio {name} / floor = {medians[name] / medians['floor']:.2f}{target}")
    return medians["fastapi"] / medians["floor"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--route", choices=[*ROUTES, "all"], default="all")
    parser.add_argument("--django", action="store_true", help="measure the Django service too")
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny", help="data set")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--pool-size", type=int, default=10, help="database pool per worker")
    parser.add_argument("--vus", type=int, default=64, help="k6 virtual users (closed model)")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--server-cpus", default=None, help="taskset list for the servers, e.g. 1")
    parser.add_argument("--k6-cpus", default=None, help="taskset list for k6, e.g. 0")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args(argv)
    routes = list(ROUTES) if args.route == "all" else [args.route]
    names = ["floor", "fastapi", *(["django"] if args.django else [])]
    workdir = Path(tempfile.mkdtemp(prefix="bench-ratio-"))
    options = StackOptions(size=args.size, workers=args.workers, pool_size=args.pool_size,
                           server_cpus=_cpus(args.server_cpus), durable=False)
    logins = count(1)
    ratios: dict[str, float] = {}
    try:
        with local_stack(options, workdir, lambda line: print(line, flush=True),
                         tuple(names)) as stack:
            print(f"machine: {os.cpu_count()} cores; servers on cpus "
                  f"{args.server_cpus or 'any'}, k6 on cpus {args.k6_cpus or 'any'}; "
                  f"{args.workers} workers per server, pool {args.pool_size} per worker; "
                  f"{args.vus} VUs, {args.seconds:.0f}s x {args.repetitions} per server and "
                  f"route after {args.warmup:.0f}s warm-up; data: {args.size} "
                  f"({stack.users} users)", flush=True)
            load_before = os.getloadavg()

            def run(route: str, name: str, seconds: float) -> Result:
                target = stack.targets[name]
                token = _token(target.auth_url, next(logins))
                cpu_before = _server_cpu_seconds(name)
                result = _k6(route, name, target.base_url, token, stack.users, args.vus,
                             seconds, workdir, args.k6_cpus)
                requests = result.rps * seconds
                if requests:
                    result.server_cpu_per_1k = (
                        (_server_cpu_seconds(name) - cpu_before) / requests * 1000)
                return result

            results: list[Result] = []
            for route in routes:
                for name in names:
                    run(route, name, args.warmup)
                for _ in range(args.repetitions):
                    for name in names:
                        result = run(route, name, args.seconds)
                        print(f"  {route} {name}: {result.rps:.0f} req/s, "
                              f"{result.errors} errors", flush=True)
                        results.append(result)
        for route in routes:
            ratios[route] = _print_results(
                route, [r for r in results if r.route == route], names)
        print(f"\nload average before the runs: {' '.join(f'{x:.2f}' for x in load_before)}; "
              f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if any(r.errors for r in results):
            print("WARNING: some requests failed; see the server logs in", workdir / "logs")
            args.keep = True
        sys.exit(0 if all(ratios[r] >= TARGETS[r] for r in routes) else 1)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print("work directory kept:", workdir)


if __name__ == "__main__":
    main()
