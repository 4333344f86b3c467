"""What the posts API does, with SQLAlchemy Core on the request's connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from resources_service import responses
from resources_service.params import PageParams
from resources_service.posts.schemas import PostIn, PostPatch
from saaskit.db.schema import posts


async def list_posts(
    conn: AsyncConnection, paging: PageParams, author_id: int | None, q: str | None
) -> dict[str, Any]:
    query = select(posts)
    if author_id is not None:
        query = query.where(posts.c.author_id == author_id)
    if q:
        # ILIKE '%q%' with q's own % and _ escaped; the trigram index serves it.
        query = query.where(posts.c.title.icontains(q, autoescape=True))
    rows = (await conn.execute(paging.apply(query, posts))).all()
    items, cursor = paging.page_of(rows)
    return responses.page([responses.post(r._mapping) for r in items], cursor)


async def create_post(conn: AsyncConnection, author_id: int, data: PostIn) -> dict[str, Any]:
    row = (
        await conn.execute(
            insert(posts).values(author_id=author_id, **data.model_dump()).returning(posts)
        )
    ).one()
    await conn.commit()
    return responses.post(row._mapping)


async def get_post(conn: AsyncConnection, post_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(posts).where(posts.c.id == post_id))).one_or_none()
    return responses.post(row._mapping) if row else None


async def update_post(
    conn: AsyncConnection, post_id: int, author_id: int, data: PostPatch
) -> dict[str, Any] | None:
    mine = (posts.c.id == post_id) & (posts.c.author_id == author_id)
    changes = data.changes()
    if not changes:
        row = (await conn.execute(select(posts).where(mine))).one_or_none()
    else:
        row = (
            await conn.execute(
                update(posts).where(mine).values(**changes, updated_at=func.now()).returning(posts)
            )
        ).one_or_none()
        await conn.commit()
    return responses.post(row._mapping) if row else None


async def delete_post(conn: AsyncConnection, post_id: int, author_id: int) -> bool:
    """Its comments go with it (``ON DELETE CASCADE``)."""
    result = await conn.execute(
        delete(posts).where(posts.c.id == post_id, posts.c.author_id == author_id)
    )
    await conn.commit()
    return result.rowcount == 1
