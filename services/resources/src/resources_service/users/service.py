"""User reads, both on the driver connection with SQL compiled once (see
``saaskit.db.database``). ``get_user`` is the benchmark's ``simple_get``: one prepared
statement. The overview always runs exactly two, whatever the limits, on one connection:
the user, then the newest posts each joined LATERALly to its newest comments (the
statements and the body are ``saaskit.db.overview``'s, shared with the Django twin)."""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy import bindparam, select

from resources_service import responses
from saaskit.db.database import Database, compile_sql
from saaskit.db.overview import ASYNCPG_POSTS, ASYNCPG_USER, body
from saaskit.db.schema import users

USER_PUBLIC = select(users.c.id, users.c.username, users.c.full_name, users.c.created_at)
USER_BY_ID = USER_PUBLIC.where(users.c.id == bindparam("id"))
USER_BY_ID_SQL = compile_sql(USER_BY_ID)


async def get_user(db: Database, user_id: int) -> dict[str, Any] | None:
    row = await db.fetch_row(USER_BY_ID_SQL, user_id)
    return responses.user_public(row) if row else None


async def overview(
    db: Database, user_id: int, posts_limit: int, comments_limit: int
) -> dict[str, Any] | None:
    async def both(conn: asyncpg.Connection):
        user = await conn.fetchrow(ASYNCPG_USER.sql, user_id)
        if user is None:
            return None, ()
        return user, await conn.fetch(ASYNCPG_POSTS.sql, *ASYNCPG_POSTS.args(
            user_id=user_id, posts_limit=posts_limit, comments_limit=comments_limit))

    user, rows = await db.on_driver(both)
    return None if user is None else body(user, rows)
