"""The caller of a write still has an active account: ``saaskit.db.writers``' rule and
statement, on Django's connection.

Invariant: called first inside the ``transaction.atomic()`` block that then writes, so
the user row stays locked (``FOR KEY SHARE``) until the write commits: a deleted or
deactivated user's token writes nothing and gets 401, never a foreign-key 500.
"""

from __future__ import annotations

from django.db import connection

from saaskit.db.writers import LOCK_ACTIVE_USER_SQL, account_gone


def lock_active_user(user_id: int) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("lock_active_user must run inside the write's transaction")
    with connection.cursor() as cursor:
        cursor.execute(LOCK_ACTIVE_USER_SQL, [user_id])
        if cursor.fetchone() is None:
            raise account_gone()
