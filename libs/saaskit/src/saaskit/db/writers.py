"""The caller of a write still has an active account, checked in the write's transaction.

Invariant (contract, "Conventions"): a token whose user was deleted or deactivated
writes nothing. Access tokens are verified without the database, so a token outlives
its user by up to its lifetime; the one statement below, run first in the transaction
that then writes, closes that gap for writes: it answers 401 for a missing or inactive
user, and its ``FOR KEY SHARE`` lock holds the user row until the write commits, so a
concurrent deletion waits for the write (and then cascades over it) instead of turning
the insert into a foreign-key violation, a 500. Reads skip it (the contract lets them
honour a token until it expires, keeping the hot read path one statement).

Why a lock and not "catch the foreign-key violation": the violation covers only a
deleted user's inserts; an inactive user, or a deleted one's updates and deletes,
violate nothing and would still write or answer 404 instead of 401.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from saaskit.db.schema import users
from saaskit.problems import ProblemError, unauthorized

ACCOUNT_GONE = "the account no longer exists or is inactive"

LOCK_ACTIVE_USER_SQL = "SELECT 1 FROM users WHERE id = %s AND is_active FOR KEY SHARE"
"""The same statement for Django's cursor (``admin_service.api.writers``)."""


def account_gone() -> ProblemError:
    return unauthorized(ACCOUNT_GONE)


async def lock_active_user(conn: AsyncConnection, user_id: int) -> None:
    """Raise 401 unless ``user_id`` is an active user; lock the row until commit."""
    query = (
        select(users.c.id)
        .where(users.c.id == user_id, users.c.is_active)
        .with_for_update(key_share=True)
    )
    if (await conn.execute(query)).first() is None:
        raise account_gone()
