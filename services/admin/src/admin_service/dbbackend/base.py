"""Django's PostgreSQL backend, with the check a pooled connection passes before a
request gets it (issue 26.10).

The invariant: once PostgreSQL accepts connections again after a restart, no request
fails, however long the service sat idle with a pool of connections the restart killed.

Why not psycopg_pool's own check, which ``CONN_HEALTH_CHECKS=True`` installs: it finds
one dead connection per try and, between tries, backs off (0 s, then the rest of the
request's 0.5 s pool timeout), so a request that drew three dead connections from a
pool of four timed out: a 503 for the first 1-2 requests of a process after a restart
(2 of 40 sequential requests). Here the first dead connection has the pool check all
its idle ones at once (``pool.check()``, psycopg_pool's public call, which drops the
dead ones and opens replacements in the background), so the request's next try only
waits for a fresh connection. Django offers no setting for the check (it always passes
its own, so ``OPTIONS["pool"]["check"]`` is a duplicate argument), hence this backend,
which differs from Django's only in the pool it builds.
"""

from __future__ import annotations

from typing import Any, cast

import psycopg
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool

NO_DB_ALIAS: str = getattr(base, "NO_DB_ALIAS")  # noqa: B009 - django-stubs lacks the pool API


class _CheckedPool(ConnectionPool):
    def __init__(self, *, checks: bool, **kwargs: Any) -> None:
        self._draining = False
        super().__init__(check=self._check_or_drain if checks else None, **kwargs)

    def _check_or_drain(self, conn: psycopg.Connection[Any]) -> None:
        try:
            ConnectionPool.check_connection(conn)
        except psycopg.Error:
            if not self._draining:  # one sweep at a time, not one per waiting request
                self._draining = True
                try:
                    self.check()  # every idle connection, with psycopg_pool's own check
                finally:
                    self._draining = False
            raise


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self) -> ConnectionPool | None:
        me = cast(Any, self)  # django-stubs predates Django 5.1's pools
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not pool_options:
            return None
        if self.alias not in me._connection_pools:
            # As Django's own property builds it (which also refuses CONN_MAX_AGE there).
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                return cast(Any, super()).pool
            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True
            pool = _CheckedPool(
                checks=bool(self.settings_dict["CONN_HEALTH_CHECKS"]),
                kwargs=connect_kwargs,
                open=False,
                configure=me._configure_connection,
                **({} if pool_options is True else pool_options),
            )
            me._connection_pools.setdefault(self.alias, pool)
        return me._connection_pools[self.alias]
