"""Readiness checks: each asks one dependency, quickly, and raises when it does not answer."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection

from admin_service import runtime


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_redis() -> None:
    runtime.redis_client().ping()


def check_storage() -> None:
    runtime.storage().check()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "redis": check_redis,
    "storage": check_storage,
}


def run_checks() -> tuple[bool, dict[str, str]]:
    report = {}
    for name, check in CHECKS.items():
        try:
            check()
            report[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            report[name] = f"failed: {type(exc).__name__}"
    return all(r == "ok" for r in report.values()), report
