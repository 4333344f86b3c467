"""User reads. ``get_user`` is the benchmark's ``simple_get``: one prepared statement
on the driver connection (see ``saaskit.db.database``). The overview goes through
SQLAlchemy Core and always runs exactly two statements, whatever the limits: the user,
then the newest posts each joined LATERALly to its newest comments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from resources_service import responses
from saaskit.db.database import Database, compile_sql
from saaskit.db.schema import comments, posts, users

USER_PUBLIC = select(users.c.id, users.c.username, users.c.full_name, users.c.created_at)
USER_BY_ID = USER_PUBLIC.where(users.c.id == bindparam("id"))
USER_BY_ID_SQL = compile_sql(USER_BY_ID)


async def get_user(db: Database, user_id: int) -> dict[str, Any] | None:
    row = await db.fetch_row(USER_BY_ID_SQL, user_id)
    return responses.user_public(row) if row else None


def _overview_posts(user_id: int, posts_limit: int, comments_limit: int):
    newest_posts = (
        select(posts)
        .where(posts.c.author_id == user_id)
        .order_by(posts.c.created_at.desc(), posts.c.id.desc())
        .limit(posts_limit)
        .subquery("p")
    )
    newest_comments = (
        select(comments)
        .where(comments.c.post_id == newest_posts.c.id)
        .order_by(comments.c.created_at.desc(), comments.c.id.desc())
        .limit(comments_limit)
        .lateral("c")
    )
    c = newest_comments.c
    return (
        select(
            newest_posts,
            c.id.label("c_id"), c.author_id.label("c_author_id"),
            c.body.label("c_body"), c.created_at.label("c_created_at"),
        )
        .select_from(newest_posts.outerjoin(newest_comments, true()))
        .order_by(newest_posts.c.created_at.desc(), newest_posts.c.id.desc(),
                  c.created_at.desc(), c.id.desc())
    )


async def overview(
    conn: AsyncConnection, user_id: int, posts_limit: int, comments_limit: int
) -> dict[str, Any] | None:
    user = (await conn.execute(USER_BY_ID, {"id": user_id})).one_or_none()
    if user is None:
        return None
    rows = (await conn.execute(_overview_posts(user_id, posts_limit, comments_limit))).all()
    by_id: dict[int, dict[str, Any]] = {}
    for row in rows:
        m = row._mapping
        post = by_id.get(m["id"])
        if post is None:
            post = by_id[m["id"]] = {**responses.post(m), "comments": []}
        if m["c_id"] is not None:
            post["comments"].append(responses.comment({
                "id": m["c_id"], "post_id": m["id"], "author_id": m["c_author_id"],
                "body": m["c_body"], "created_at": m["c_created_at"],
            }))
    return {"user": responses.user_public(user._mapping), "posts": list(by_id.values())}
