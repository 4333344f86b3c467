"""What the posts API does, with SQLAlchemy Core on the request's connection."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI, Request
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from resources_service import responses
from resources_service.params import PageParams
from resources_service.posts.schemas import PostIn, PostPatch
from saaskit.content.search import FORCE_CUSTOM_PLAN, contains_pattern
from saaskit.db.database import Database, compile_sql
from saaskit.db.schema import posts
from saaskit.preview import AsyncPreviewClient
from saaskit.settings import Settings

AUTHORED_SQL = compile_sql(
    select(posts.c.id).where(posts.c.id == bindparam("id"), posts.c.author_id == bindparam("author"))
)


async def list_posts(
    conn: AsyncConnection, paging: PageParams, author_id: int | None, q: str | None
) -> dict[str, Any]:
    query = select(posts)
    if author_id is not None:
        query = query.where(posts.c.author_id == author_id)
    if q:
        # q is the kit's search term (saaskit.content.search: trimmed, 3+ characters).
        # ILIKE '%term%', the statement Django issues too, planned with the pattern's
        # value (not a generic plan after five executions), so the trigram index serves it.
        await conn.exec_driver_sql(FORCE_CUSTOM_PLAN)
        query = query.where(posts.c.title.ilike(contains_pattern(q)))
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


async def preview_link(
    db: Database, client: AsyncPreviewClient, post_id: int, author_id: int, url: httpx.URL
) -> dict[str, Any] | None:
    """The preview of ``url`` for the author of ``post_id`` (None: not their post). The
    ownership check borrows a connection for its one statement and gives it back before
    the fetch: the route waits on the network for up to the preview timeout, and holding
    a pooled connection meanwhile would let a few slow upstreams starve every route."""
    if await db.fetch_row(AUTHORED_SQL, post_id, author_id) is None:
        return None
    return (await client.fetch(url)).as_dict()


async def open_preview(app: FastAPI, settings: Settings) -> None:
    app.state.preview = AsyncPreviewClient.from_settings(settings)


async def close_preview(app: FastAPI) -> None:
    await app.state.preview.aclose()


async def get_preview_client(request: Request) -> AsyncPreviewClient:
    client: AsyncPreviewClient = request.app.state.preview
    return client
