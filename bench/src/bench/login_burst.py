"""Concurrent logins against one auth server (issue 26.3): how many answer what, the
server's memory, and what the logins cost everybody else (``GET /auth/me``).

``python -m bench.login_burst [--stack fastapi|django]... [--logins 40 --logins 200]``

Starts, in a temporary directory, an embedded PostgreSQL and Redis, the migrations, and
the stack's auth server in its production configuration with the production argon2 cost
(uvicorn ``auth_service``; gunicorn+gevent ``admin_service``, ``--workers`` processes
each). Accounts are inserted with one precomputed hash. Each burst fires N logins at
once, each from its own loopback address (127.0.3.x, 127.0.4.x, ...: within the address
limit) with a right password, while one client calls ``GET /auth/me`` in a loop and a
sampler reads the server's process tree's RSS every 20 ms. Printed per burst: the
statuses (a 503 whose detail is the hashing pool's, or Django's in-flight limit's, is
deliberate, counted apart; any other 5xx is a failure), peak RSS beside the idle RSS,
and /auth/me's median, p95 and max with how many calls it made. Loopback only; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg

from bench.processes import Server
from bench.stack import BIN, GUNICORN_CONF, ROOT, uvicorn_argv
from bench.upload_memory import tree_rss
from devstack.net import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis
from saaskit.db.migrate import upgrade
from saaskit.security.hashing import BUSY_DETAIL
from saaskit.security.keys import ensure_key_dir
from saaskit.security.passwords import PasswordService
from saaskit.settings import Settings

PASSWORD = "correct horse 9"
# Django's in-flight limit (admin_service.inflight) sheds load with its own 503 and
# Retry-After once a request has queued request_queue_timeout for a slot: deliberate too.
INFLIGHT_BUSY = "the server is busy, try again shortly"
BURST_TIMEOUT = 120.0  # seconds: a burst that has not finished by then is reported as such


def _rss_mb(pid: int) -> float:
    return tree_rss(pid) / 2**20


def _seed(database_url: str, count: int) -> list[str]:
    password_hash = PasswordService.from_settings(Settings()).hash(PASSWORD)
    names = [f"burst_{i}_{secrets.token_hex(3)}" for i in range(count)]
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO users (email, username, password_hash) VALUES (%s, %s, %s)",
            [(f"{n}@example.com", n, password_hash) for n in names],
        )
    return names


def _server(stack: str, env: dict[str, str], logs: Path, workers: int) -> Server:
    port = free_port()
    if stack == "fastapi":
        argv = uvicorn_argv("auth_service.main:create_app", port, workers)
    else:
        subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
            [str(BIN / "python"), "-m", "admin_service.manage", "migrate", "--noinput"],
            env=env, cwd=ROOT, check=True, timeout=180, capture_output=True,
        )
        argv = [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "admin_service.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    return Server(stack, argv, env, port, logs / f"{stack}.log", cwd=ROOT)


async def _login(url: str, username: str, address: str) -> tuple[int, str]:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(transport=transport, timeout=BURST_TIMEOUT) as client:
        try:
            response = await client.post(f"{url}/auth/token", data={"username": username, "password": PASSWORD})
        except httpx.HTTPError as exc:
            return 0, type(exc).__name__
        detail = ""
        if response.status_code >= 500:
            detail = response.json().get("detail", "") if response.headers.get(
                "content-type", "").startswith("application/problem+json") else response.text[:80]
            if response.status_code == 503 and not response.headers.get("retry-after"):
                detail += " (no Retry-After)"
        return response.status_code, detail


def _address(i: int) -> str:
    return f"127.0.{3 + i // 250}.{1 + i % 250}"


def burst(url: str, pid: int, names: list[str], token: str, offset: int) -> dict:
    """N logins at once; /auth/me and RSS sampled until they have all answered."""
    done = threading.Event()
    rss: list[float] = []
    me: list[float] = []
    me_statuses: collections.Counter[int] = collections.Counter()

    def sample() -> None:
        while not done.is_set():
            rss.append(_rss_mb(pid))
            done.wait(0.02)

    def call_me() -> None:
        with httpx.Client(timeout=30) as client:
            deadline = time.monotonic() + BURST_TIMEOUT
            while not done.is_set() and time.monotonic() < deadline:
                started = time.monotonic()
                try:
                    status = client.get(f"{url}/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code
                except httpx.HTTPError:
                    status = 0
                me.append((time.monotonic() - started) * 1000)
                me_statuses[status] += 1

    threads = [threading.Thread(target=sample), threading.Thread(target=call_me)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # a few /auth/me calls before the burst starts

    async def all_logins():
        # Bounded by each login's own timeout: one that has not answered in
        # BURST_TIMEOUT counts as a failure ("ReadTimeout"), the burst still reports.
        return await asyncio.gather(*(_login(url, n, _address(offset + i)) for i, n in enumerate(names)))

    started = time.monotonic()
    results = asyncio.run(all_logins())
    seconds = time.monotonic() - started
    done.set()
    for thread in threads:
        thread.join(30)
    statuses = collections.Counter(status for status, _ in results)
    deliberate = {BUSY_DETAIL, INFLIGHT_BUSY}
    other_5xx = [(s, d) for s, d in results if (s >= 500 and d not in deliberate) or s == 0]
    ordered = sorted(me)
    return {
        "logins": len(names),
        "seconds": round(seconds, 2),
        "statuses": dict(sorted(statuses.items())),
        "deliberate_503": sum(1 for s, d in results if s == 503 and d == BUSY_DETAIL),
        "inflight_503": sum(1 for s, d in results if s == 503 and d == INFLIGHT_BUSY),
        "other_5xx": len(other_5xx),
        "other_5xx_examples": other_5xx[:3],
        "rss_peak_mb": round(max(rss, default=0.0)),
        "me_calls": len(me),
        "me_statuses": dict(me_statuses),
        "me_median_ms": round(statistics.median(ordered), 1) if ordered else None,
        "me_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else None,
        "me_max_ms": round(ordered[-1], 1) if ordered else None,
    }


def run(stack: str, sizes: list[int], workers: int, work: Path) -> None:
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    pg = EmbeddedPostgres(work / "pg", free_port(), durable=False)
    redis_server = EmbeddedRedis(work / "redis", free_port(), durable=False)
    pg.start(logs / "pg.log")
    server = None
    try:
        redis_server.start(logs / "redis.log")
        database_url = pg.create_database("app")
        upgrade(database_url)
        names = _seed(database_url, sum(sizes) + 1)
        env = {
            **os.environ,
            "APP_ENVIRONMENT": "production",
            "APP_SECRET_KEY": secrets.token_urlsafe(32),
            "APP_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "APP_CSRF_TRUSTED_ORIGINS": "http://127.0.0.1,http://localhost",
            "APP_DATABASE_URL": database_url,
            "APP_REDIS_URL": redis_server.url(),
            "APP_JWT_KEYS_DIR": str(ensure_key_dir(work / "keys")),
            "APP_STORAGE_LOCAL_DIR": str(work / "storage"),
            "APP_LOG_LEVEL": "WARNING",
            "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
            "PYTHONUNBUFFERED": "1",
        }
        (work / "metrics").mkdir(exist_ok=True)
        env["WEB_CONCURRENCY"] = str(workers)  # as the chart sets it: the hashing pools' share
        server = _server(stack, env, logs, workers)
        server.start()
        assert server.process is not None
        pid = server.process.pid
        with httpx.Client(timeout=30) as client:
            response = client.post(f"{server.url}/auth/token", data={"username": names[0], "password": PASSWORD})
            response.raise_for_status()
            token = response.json()["access_token"]
        # Warm: every process has served /auth/me, and its pool has grown to its size.
        # Django's psycopg pool starts at one connection and grows one at a time; a burst
        # on a cold pool, the CPUs busy hashing, waits past the pool's 0.5 s for new
        # connections and gets 503 "database" (a cold start, not what is measured here).
        me_url, headers = f"{server.url}/auth/me", {"Authorization": f"Bearer {token}"}
        with ThreadPoolExecutor(40) as warmers:
            list(warmers.map(lambda _: httpx.get(me_url, headers=headers, timeout=30), range(400)))
        idle = round(_rss_mb(pid))
        offset, used = 0, 1
        for size in sizes:
            result = burst(server.url, pid, names[used:used + size], token, offset)
            used += size
            offset += size
            print(f"{stack}: idle RSS {idle} MB; {result}", flush=True)
            time.sleep(2)  # let the process settle between bursts
    finally:
        if server is not None:
            server.stop()
        redis_server.stop()
        pg.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--stack", action="append", choices=["fastapi", "django"])
    parser.add_argument("--logins", action="append", type=int)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="server processes (default: the CPUs)")
    args = parser.parse_args(argv)
    for stack in args.stack or ["fastapi", "django"]:
        with tempfile.TemporaryDirectory(prefix=f"login-burst-{stack}-") as work:
            run(stack, args.logins or [40, 200], args.workers, Path(work))


if __name__ == "__main__":
    sys.exit(main())
