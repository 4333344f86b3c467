"""SQL statements executed, per database role, from ``pg_stat_statements`` (the
benchmark's PostgreSQL preloads it; each implementation connects as its own role).
Transaction and session control (BEGIN, COMMIT, SET, asyncpg's RESET ALL / CLOSE ALL /
UNLISTEN and pg_advisory_unlock_all() on pool release...) is counted apart from data statements."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

QUERY = r"""
SELECT r.rolname,
       coalesce(sum(s.calls) FILTER (WHERE NOT s.query ~* %(control)s), 0),
       coalesce(sum(s.calls) FILTER (WHERE s.query ~* %(control)s), 0)
FROM pg_stat_statements s
JOIN pg_roles r ON r.oid = s.userid
JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = %(database)s
GROUP BY r.rolname
"""
CONTROL = (
    r"^\s*((begin|commit|rollback|start|savepoint|release|set|reset|show|discard"
    r"|deallocate|close|listen|unlisten)\M|select pg_advisory_unlock_all\(\))"
)


@dataclass
class StatementCounts:
    data: int
    control: int


def snapshot(admin_url: str | None, database: str) -> dict[str, StatementCounts] | None:
    if not admin_url:
        return None
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            rows = conn.execute(QUERY, {"database": database, "control": CONTROL}).fetchall()
    except psycopg.Error:
        return None
    return {role: StatementCounts(int(data), int(control)) for role, data, control in rows}


def delta(
    before: dict[str, StatementCounts] | None, after: dict[str, StatementCounts] | None, role: str
) -> StatementCounts | None:
    if before is None or after is None:
        return None
    zero = StatementCounts(0, 0)
    a, b = after.get(role, zero), before.get(role, zero)
    return StatementCounts(a.data - b.data, a.control - b.control)
