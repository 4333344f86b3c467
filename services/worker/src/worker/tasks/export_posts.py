"""``export_posts``: the job owner's posts, each with its comments, as one JSON file in
storage, recorded as a ``ready`` file of the owner. The file's id (and so its key) is
derived from the job id, so a second run overwrites the same object and finds the
same row: never a second file."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from saaskit.db.schema import comments, files, posts
from saaskit.storage import new_key
from saaskit.timeutil import rfc3339, utcnow
from worker.context import WorkerContext
from worker.lifecycle import JobRow

NAMESPACE = uuid.UUID("6f1c1d3e-52b4-4d0e-9d53-5b3a4f8f0e21")


def export_file_id(job_id: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"export_posts:{job_id}")


async def _document(conn: AsyncConnection, owner_id: int) -> bytes:
    post_rows = (await conn.execute(
        select(posts.c.id, posts.c.title, posts.c.body, posts.c.created_at, posts.c.updated_at)
        .where(posts.c.author_id == owner_id)
        .order_by(posts.c.created_at.desc(), posts.c.id.desc())
    )).all()
    comment_rows = (await conn.execute(
        select(comments.c.id, comments.c.post_id, comments.c.author_id, comments.c.body,
               comments.c.created_at)
        .join(posts, posts.c.id == comments.c.post_id)
        .where(posts.c.author_id == owner_id)
        .order_by(comments.c.created_at.desc(), comments.c.id.desc())
    )).all()
    by_post: dict[int, list[dict[str, Any]]] = {}
    for c in comment_rows:
        by_post.setdefault(c.post_id, []).append({
            "id": c.id, "author_id": c.author_id, "body": c.body,
            "created_at": rfc3339(c.created_at),
        })
    return orjson.dumps({
        "user_id": owner_id,
        "exported_at": rfc3339(utcnow()),
        "posts": [{
            "id": p.id, "title": p.title, "body": p.body, "created_at": rfc3339(p.created_at),
            "updated_at": rfc3339(p.updated_at), "comments": by_post.get(p.id, []),
        } for p in post_rows],
    })


async def handle(worker: WorkerContext, job: JobRow) -> dict[str, str]:
    file_id = export_file_id(job.id)
    engine = worker.engine
    async with engine.connect() as conn:
        done = (await conn.execute(select(files.c.id).where(files.c.id == file_id))).first()
        if done is not None:
            return {"file_id": str(file_id)}
        data = await _document(conn, job.owner_id)
    key = new_key("exports", file_id, ".json")
    await worker.storage.write_bytes(key, data)
    digest = hashlib.sha256(data).hexdigest()
    async with engine.begin() as conn:
        await conn.execute(
            insert(files).values(
                id=file_id, owner_id=job.owner_id, filename=f"posts-export-{job.id}.json",
                content_type="application/json", size=len(data), sha256=digest,
                upload_sha256=digest, status="ready", storage_key=key,
            ).on_conflict_do_nothing(index_elements=["id"])
        )
    return {"file_id": str(file_id)}
