"""Which database errors mean "the connection is gone", for both stacks and the worker.

The invariant: every failure of the connection itself (the server shutting down or
restarting, refusing new sessions, the socket gone) is an outage: the FastAPI
services and Django answer it with the 503 problem on every route, the worker retries
the job. Anything else (a bad statement, a constraint, a misuse of the driver) is not.

Why one function over the whole error chain rather than a list of classes per stack:
the same outage arrives in many shapes. PostgreSQL's fast shutdown ends a running
statement with ``57P01 admin_shutdown``; new sessions during it are refused with
``57P03 cannot_connect_now`` ("the database system is shutting down"); a socket that
is gone is class ``08``. asyncpg raises these as ``AdminShutdownError``,
``CannotConnectNowError``, ``ConnectionDoesNotExistError`` (or ``InterfaceError``
"connection is closed" once it has noticed), and SQLAlchemy wraps them as
``DBAPIError`` / ``OperationalError`` / ``InterfaceError``, with
``connection_invalidated`` set only when the driver already knew the socket was
closed. A statement cut off by the shutdown usually arrives before that, as a plain
``DBAPIError`` around ``AdminShutdownError``: matched by class, that was a 500 (1-4
per shutdown, issue 26.2). So this looks at the SQLSTATE anywhere in the chain
(``orig`` and ``__cause__``: the wrapping is explicit, ``raise ... from``), which psycopg's errors carry too.
``57014 query_canceled`` (a statement timeout) is in class 57 but is no outage.
"""

from __future__ import annotations

import asyncio

# 08: connection exception. 57P01-57P05: the server is shutting down, crashed, is
# starting or shutting down ("cannot connect now"), the database was dropped, the
# session idled out. 53300: too many connections.
_OUTAGE_CLASSES = ("08",)
_OUTAGE_STATES = frozenset({"57P01", "57P02", "57P03", "57P04", "57P05", "53300"})
# asyncpg's InterfaceError is also its word for a misuse ("another operation is in
# progress"); only these messages say the connection is gone.
_CLOSED_MESSAGES = ("connection is closed", "connection was closed", "underlying connection is closed")
_TRANSPORT = (ConnectionError, asyncio.TimeoutError, TimeoutError)
_CHAIN_LIMIT = 16


def _chain(exc: BaseException) -> list[BaseException]:
    """The error, what it wraps (SQLAlchemy's ``orig``) and its causes, each once."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < _CHAIN_LIMIT:
        current = todo.pop()
        if any(current is known for known in seen):
            continue
        seen.append(current)
        for linked in (getattr(current, "orig", None), current.__cause__):
            if isinstance(linked, BaseException):
                todo.append(linked)
    return seen


def _is_asyncpg_interface_error(exc: BaseException) -> bool:
    """asyncpg's ``InterfaceError`` (or a subclass), recognised by its class, not by an
    import: the Django service uses this module and installs no asyncpg (kit extras)."""
    return any(c.__name__ == "InterfaceError" and c.__module__.startswith("asyncpg")
               for c in type(exc).__mro__)


def _sqlstate(exc: BaseException) -> str | None:
    for name in ("sqlstate", "pgcode"):
        value = getattr(exc, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def is_connection_failure(exc: BaseException) -> bool:
    """True when ``exc`` (or anything it wraps) says the database connection failed."""
    for current in _chain(exc):
        if getattr(current, "connection_invalidated", False) is True:
            return True
        state = _sqlstate(current)
        if state is not None and (state[:2] in _OUTAGE_CLASSES or state in _OUTAGE_STATES):
            return True
        if _is_asyncpg_interface_error(current) and any(
            message in str(current) for message in _CLOSED_MESSAGES
        ):
            return True
        if isinstance(current, _TRANSPORT):
            return True
    return False
