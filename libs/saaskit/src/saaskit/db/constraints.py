"""Names of the schema's constraints that the code decides on, and how to read one off a
driver's error.

Invariant: a unique violation is told apart by the name of the constraint (or unique
index) PostgreSQL reports, never by searching the error's text (which is worded for
people, may be translated, and with SQLAlchemy 2.1's asyncpg wrapper can lose its
``DETAIL`` line). ``saaskit.db.schema`` declares its indexes with these very names, and
the migrations created them with them, so a rename shows up in both places.

Both drivers report the name: asyncpg as ``exc.constraint_name``, psycopg as
``exc.diag.constraint_name``. Their errors arrive wrapped (SQLAlchemy's ``DBAPIError``
keeps the driver's error in ``orig`` and in its cause chain, Django's ``IntegrityError``
in ``__cause__``), so ``violated_constraint`` walks the chain.
"""

from __future__ import annotations

USERS_EMAIL_UNIQUE = "uq_users_email_lower"
USERS_USERNAME_UNIQUE = "uq_users_username_lower"

_MAX_DEPTH = 8  # wrappers are two or three deep; a bound keeps a cycle from looping


def _own_constraint(error: BaseException) -> str | None:
    name: object = getattr(error, "constraint_name", None)  # asyncpg
    if isinstance(name, str):
        return name
    diag: object = getattr(error, "diag", None)  # psycopg
    name = getattr(diag, "constraint_name", None)
    return name if isinstance(name, str) else None


def violated_constraint(error: BaseException) -> str | None:
    """The name of the constraint the driver error under ``error`` reports, if any."""
    current: BaseException | None = error
    for _ in range(_MAX_DEPTH):
        if current is None:
            return None
        if (name := _own_constraint(current)) is not None:
            return name
        orig: object = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return None
