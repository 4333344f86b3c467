"""The two admins' user list page with 10,000 users: requests per second and memory.

``python -m bench.admin_list [--users 10000] [--seconds 20] [--vus 8]`` starts its own
embedded PostgreSQL and Redis, inserts the users, then for each admin in turn: the
server in its shipped configuration with one worker process (the resources service
under uvicorn for SQLAdmin, the Django service under gunicorn/gevent for the Django
admin) pinned to the last core, a staff account made the way an operator makes one,
a logged-in session; idle memory after one page; then k6 (on the first core) asks for
the first page of the user list, 100 rows a page on both (Django's default, SQLAdmin
asked with ``pageSize=100``), from ``--vus`` virtual users for ``--seconds``, while the
server's process tree's resident memory is sampled (gunicorn's tree is its master and
one worker; uvicorn with one worker is one process). Prints one table and the commit;
k6 checks two things of each answer, its status and the newest rows in the page.

A small command, not a benchmark run: one run on whatever machine it is, on a 2-core
machine with PostgreSQL sharing the server's core. Read the ratio, not the digits.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from bench.processes import Server, pinned_argv
from bench.stack import BIN, ROOT, gunicorn_argv, uvicorn_argv
from bench.upload_memory import PeakSampler, tree_rss
from devstack.net import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis
from saaskit.db.migrate import upgrade
from saaskit.db.urls import libpq_url
from saaskit.security.keys import ensure_key_dir

MIB = 1024 * 1024
STAFF, PASSWORD = "bench_staff", "bench-staff-password-1"
K6_SCRIPT = """
import http from 'k6/http';
import { check } from 'k6';
export default function () {
  const r = http.get(__ENV.PAGE, { headers: { Cookie: __ENV.COOKIE }, redirects: 0 });
  check(r, {
    'status 200': (res) => res.status === 200,
    'the rows': (res) => res.body !== null && res.body.includes(__ENV.MARK),
  });
}
"""


@dataclass
class Admin:
    name: str
    server: Server
    login_path: str
    page_path: str

    def log_in(self) -> httpx.Client:
        client = httpx.Client(base_url=self.server.url, timeout=30)
        page = client.get(self.login_path)
        page.raise_for_status()
        if self.name == "django":
            match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            form = {"csrfmiddlewaretoken": match.group(1) if match else "", "next": "/admin/"}
        else:
            match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
            form = {"csrftoken": match.group(1) if match else ""}
        response = client.post(self.login_path, data={**form, "username": STAFF, "password": PASSWORD})
        if response.status_code != 302:
            raise RuntimeError(f"{self.name}: login answered {response.status_code}")
        return client


def _env(database_url: str, redis_url: str, work: Path) -> dict[str, str]:
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "APP_ENVIRONMENT": "development",
        "APP_DATABASE_URL": database_url,
        "APP_REDIS_URL": redis_url,
        "APP_JWT_KEYS_DIR": str(ensure_key_dir(work / "keys")),
        "APP_STORAGE_LOCAL_DIR": str(work / "storage"),
        "APP_LOG_LEVEL": "WARNING",
        "APP_LOGIN_RATE_ADDRESS_LIMIT": "100000",
        "GUNICORN_WORKERS": "1",
    }


def _run(argv: list[str], env: dict[str, str]) -> None:
    subprocess.run(argv, env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)


def _users(database_url: str, count: int) -> None:
    import psycopg

    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (email, username, password_hash, full_name) "
            "SELECT 'user' || i || '@example.com', 'user' || i, 'not-a-hash', 'User ' || i "
            "FROM generate_series(1, %s) AS i", (count,),
        )
        conn.execute("ANALYZE users")


def _admins(env: dict[str, str], work: Path, cpus: tuple[int, ...] | None) -> list[Admin]:
    python = str(BIN / "python")
    _run([python, "-m", "admin_service.manage", "migrate", "--noinput"], env)
    _run([python, "-m", "admin_service.manage", "createsuperuser", "--noinput"],
         {**env, "DJANGO_SUPERUSER_USERNAME": STAFF, "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
          "DJANGO_SUPERUSER_EMAIL": "staff@example.com"})
    _run([python, "-m", "resources_service.admin.staff", STAFF], {**env, "STAFF_PASSWORD": PASSWORD})
    sqladmin_port, django_port = free_port(), free_port()
    return [
        Admin("sqladmin", Server("resources", uvicorn_argv("resources_service.main:create_app", sqladmin_port, 1),
                                 env, sqladmin_port, work / "resources.log", cwd=ROOT, cpus=cpus),
              "/sqladmin/login", "/sqladmin/user/list?pageSize=100"),
        Admin("django", Server("admin", gunicorn_argv(django_port, 1), env, django_port, work / "django.log",
                               cwd=ROOT, cpus=cpus),
              "/admin/login/", "/admin/accounts/user/"),
    ]


def _k6(url: str, cookie: str, mark: str, vus: int, seconds: int, work: Path,
        cpus: tuple[int, ...] | None) -> dict:
    script, summary = work / "admin_list.js", work / "summary.json"
    script.write_text(K6_SCRIPT)
    argv, preexec = pinned_argv(
        [str(BIN / "k6"), "run", "--quiet", "--vus", str(vus), "--duration", f"{seconds}s",
         f"--summary-export={summary}", str(script)], cpus,
    )
    subprocess.run(argv, env={**os.environ, "PAGE": url, "COOKIE": cookie, "MARK": mark,
                              "K6_NO_USAGE_REPORT": "true"},
                   check=True, capture_output=True, timeout=seconds + 120, preexec_fn=preexec)
    return json.loads(summary.read_text())


def measure(admin: Admin, users: int, vus: int, seconds: int, work: Path, k6_cpus: tuple[int, ...] | None) -> dict:
    mark = f"user{users - 1}@example.com"  # on the first page, newest first
    admin.server.start()
    try:
        client = admin.log_in()
        first = client.get(admin.page_path)
        if first.status_code != 200 or mark not in first.text:
            raise RuntimeError(f"{admin.name}: the list page answered {first.status_code} without the newest user")
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        assert admin.server.process is not None
        idle = tree_rss(admin.server.process.pid)
        tree = [psutil.Process(admin.server.process.pid)]
        tree += tree[0].children(recursive=True)
        processes = len(tree)
        largest = max(p.memory_info().rss for p in tree)  # the worker that serves the page
        sampler = PeakSampler(admin.server.process.pid, interval=0.05)
        sampler.start()
        summary = _k6(admin.server.url + admin.page_path, cookie, mark, vus, seconds, work, k6_cpus)
        metrics = summary["metrics"]
        peak = sampler.stop()
        client.close()
    finally:
        admin.server.stop()
    checks = metrics["checks"]
    status = summary["root_group"]["checks"]["status 200"]
    return {
        "rps": metrics["http_reqs"]["rate"],
        "p50": metrics["http_req_duration"]["med"],
        "p95": metrics["http_req_duration"]["p(95)"],
        "ok": checks["passes"], "failed": checks["fails"], "not_200": status["fails"],
        "bytes": len(first.content),
        "idle": idle, "peak": peak, "processes": processes, "largest": largest,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--vus", type=int, default=8)
    args = parser.parse_args(argv)
    cores = sorted(os.sched_getaffinity(0))
    server_cpus, k6_cpus = ((cores[-1],), (cores[0],)) if len(cores) > 1 else (None, None)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True, check=False).stdout.strip()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="admin-list-") as tmp:
        work = Path(tmp)
        pg = EmbeddedPostgres(work / "pg", free_port(), durable=False)
        pg.start(work / "postgres.log")
        redis_server = EmbeddedRedis(work / "redis", free_port(), durable=False)
        redis_server.start(work / "redis.log")
        try:
            database_url = pg.create_database("app")
            upgrade(database_url)
            _users(database_url, args.users)
            env = _env(database_url, redis_server.url(), work)
            results = {a.name: measure(a, args.users, args.vus, args.seconds, work, k6_cpus)
                       for a in _admins(env, work, server_cpus)}
        finally:
            redis_server.stop()
            pg.stop()
    print(f"commit {commit}{' (with uncommitted changes)' if dirty else ''}; {args.users} users; "
          f"k6 {args.vus} VUs for {args.seconds} s on cpu {k6_cpus}, server (1 worker) on cpu {server_cpus}; "
          f"python {sys.version.split()[0]}; load average before {load[0]:.1f}, after {os.getloadavg()[0]:.1f}")
    print("| admin | page | req/s | p50 ms | p95 ms | checks ok / failed (of them not 200) | page KiB | processes "
          "| RSS idle MiB | of it the worker's | RSS peak MiB |")
    print("| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |")
    pages = {"sqladmin": "/sqladmin/user/list?pageSize=100", "django": "/admin/accounts/user/"}
    for name, r in results.items():
        print(f"| {name} | `{pages[name]}` | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | "
              f"{r['ok']} / {r['failed']} ({r['not_200']}) | {r['bytes'] / 1024:.0f} | {r['processes']} | "
              f"{r['idle'] / MIB:.0f} | {r['largest'] / MIB:.0f} | {r['peak'] / MIB:.0f} |")


if __name__ == "__main__":
    main()
