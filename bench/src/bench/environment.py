"""What the numbers were measured on: machine, versions, the core split."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import sys
from pathlib import Path

import psutil
import psycopg

from bench.k6run import K6

PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "sqlalchemy",
    "asyncpg",
    "pydantic",
    "orjson",
    "django",
    "djangorestframework",
    "psycopg",
    "psycopg-pool",
    "gunicorn",
    "arq",
    "redis",
    "pyjwt",
    "prometheus-client",
    "k6",
)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    try:
        out["k6 binary"] = subprocess.run(  # noqa: S603 - our own k6
            [K6, "version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        out["k6 binary"] = "unknown"
    return out


def postgres_version(admin_url: str | None) -> str:
    if not admin_url:
        return "unknown (not reachable from the harness)"
    try:
        with psycopg.connect(admin_url, connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "unknown"
    except psycopg.Error:
        return "unknown"


def machine() -> dict[str, object]:
    return {
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def core_split(
    generator: tuple[int, ...] | None, servers: tuple[int, ...] | None
) -> dict[str, str]:
    if not generator and not servers:
        return {
            "generator": "all cores",
            "servers": "all cores",
            "note": "no split: one core only, or turned off with --no-pin",
        }
    return {
        "generator": f"taskset -c {','.join(map(str, generator or ()))} (k6)",
        "servers": f"taskset -c {','.join(map(str, servers or ()))} "
        "(PostgreSQL, Redis, every server of both implementations, the floor, the worker)",
    }


def default_split(cores: int) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
    """A quarter of the cores (at least one) for k6, the rest for everything else."""
    if cores < 2:
        return None, None
    generator = max(1, cores // 4)
    return tuple(range(generator)), tuple(range(generator, cores))
