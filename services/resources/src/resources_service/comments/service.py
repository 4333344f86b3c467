"""Comments, and the exact ``posts.comment_count`` beside them.

The count moves by an atomic ``comment_count ± 1`` in the transaction that inserts or
deletes the comment, so concurrent writers never lose an update. Both writers lock the
post row first (as deleting a post does, before its comments cascade), so they queue
behind each other instead of deadlocking; a comment deleted twice at once is deleted
(and counted) once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from resources_service import responses
from resources_service.comments.schemas import CommentIn
from resources_service.params import PageParams
from saaskit.db.schema import comments, posts


async def list_comments(
    conn: AsyncConnection, post_id: int, paging: PageParams
) -> dict[str, Any] | None:
    post_exists = (await conn.execute(select(exists().where(posts.c.id == post_id)))).scalar()
    if not post_exists:
        return None
    query = select(comments).where(comments.c.post_id == post_id)
    rows = (await conn.execute(paging.apply(query, comments))).all()
    items, cursor = paging.page_of(rows)
    return responses.page([responses.comment(r._mapping) for r in items], cursor)


async def create_comment(
    conn: AsyncConnection, post_id: int, author_id: int, data: CommentIn
) -> dict[str, Any] | None:
    counted = await conn.execute(
        update(posts).where(posts.c.id == post_id)
        .values(comment_count=posts.c.comment_count + 1).returning(posts.c.id)
    )
    if counted.one_or_none() is None:
        await conn.rollback()
        return None
    row = (
        await conn.execute(
            insert(comments)
            .values(post_id=post_id, author_id=author_id, body=data.body)
            .returning(comments)
        )
    ).one()
    await conn.commit()
    return responses.comment(row._mapping)


async def delete_comment(conn: AsyncConnection, comment_id: int, caller_id: int) -> bool:
    """Allowed to the comment's author and to the post's author."""
    post_id = (
        await conn.execute(
            select(posts.c.id)
            .join(comments, comments.c.post_id == posts.c.id)
            .where(
                comments.c.id == comment_id,
                or_(comments.c.author_id == caller_id, posts.c.author_id == caller_id),
            )
            .with_for_update(of=posts, key_share=True)  # FOR NO KEY UPDATE
        )
    ).scalar_one_or_none()
    if post_id is None:
        await conn.rollback()
        return False
    deleted = await conn.execute(delete(comments).where(comments.c.id == comment_id))
    if deleted.rowcount != 1:  # deleted meanwhile by someone else: counted there
        await conn.rollback()
        return False
    await conn.execute(
        update(posts).where(posts.c.id == post_id).values(comment_count=posts.c.comment_count - 1)
    )
    await conn.commit()
    return True
