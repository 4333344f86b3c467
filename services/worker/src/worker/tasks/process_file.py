"""``process_file``: verify an upload (checksum and type, from the stored bytes), make
a thumbnail of images, and mark the file ``ready`` or ``rejected``. Only a ``pending``
file is changed, so a second run changes nothing; the thumbnail key is derived from the
file id, so a re-run overwrites it rather than adding another.

When the job fails for good instead (an unexpected error, or storage still unreachable
on the last try), ``give_up`` marks the file ``rejected`` with "processing failed: ..."
as its reason: a file the worker could not process is never left ``pending``."""

from __future__ import annotations

import uuid

from anyio import to_thread
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from saaskit.db.schema import files
from saaskit.storage import new_key
from worker.context import WorkerContext
from worker.inspection import inspect
from worker.lifecycle import JobRow, PermanentError


def file_id_of(payload: dict) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(payload.get("file_id")))
    except ValueError:
        return None


async def reject_pending(conn: AsyncConnection, file_id: uuid.UUID, reason: str) -> bool:
    """Mark the file rejected with ``reason``, if it is still pending."""
    updated = await conn.execute(
        update(files).where(files.c.id == file_id, files.c.status == "pending")
        .values(status="rejected", rejection_reason=reason[:500], updated_at=func.now())
    )
    return bool(updated.rowcount)


async def give_up(worker: WorkerContext, job: JobRow, error: str) -> None:
    """``lifecycle``'s failure hook: the job failed for good, so the file is rejected."""
    file_id = file_id_of(job.payload)
    if file_id is None:
        return
    async with worker.engine.begin() as conn:
        await reject_pending(conn, file_id, f"processing failed: {error}")


async def handle(worker: WorkerContext, job: JobRow) -> dict[str, str]:
    file_id = file_id_of(job.payload)
    if file_id is None:
        raise PermanentError("payload has no valid file_id")
    engine, storage, settings = worker.engine, worker.storage, worker.settings
    async with engine.connect() as conn:
        row = (await conn.execute(
            select(files.c.storage_key, files.c.size, files.c.upload_sha256,
                   files.c.content_type, files.c.status).where(files.c.id == file_id)
        )).one_or_none()
    if row is None:
        return {"file_id": str(file_id), "status": "deleted"}
    if row.status != "pending":
        return {"file_id": str(file_id), "status": row.status}
    verdict = await to_thread.run_sync(lambda: inspect(
        storage.sync, row.storage_key, size=row.size, upload_sha256=row.upload_sha256,
        content_type=row.content_type, thumbnail_px=settings.thumbnail_size_px,
        max_pixels=settings.max_image_pixels,
    ))
    if verdict.rejection is not None:
        values = {"status": "rejected", "rejection_reason": verdict.rejection}
        thumbnail_key = None
    else:
        thumbnail_key = None
        if verdict.thumbnail_png is not None:
            thumbnail_key = new_key("thumbnails", file_id, ".png")
            await storage.write_bytes(thumbnail_key, verdict.thumbnail_png)
        values = {"status": "ready", "sha256": verdict.sha256, "thumbnail_key": thumbnail_key}
    async with engine.begin() as conn:
        updated = (await conn.execute(
            update(files).where(files.c.id == file_id, files.c.status == "pending")
            .values(**values, updated_at=func.now()).returning(files.c.id)
        )).first()
    if updated is None and thumbnail_key:
        async with engine.connect() as conn:
            found = await conn.execute(select(files.c.id).where(files.c.id == file_id))
            gone = found.first() is None
        if gone:  # deleted meanwhile: do not leave its thumbnail behind
            await storage.delete(thumbnail_key)
    return {"file_id": str(file_id), "status": values["status"]}
