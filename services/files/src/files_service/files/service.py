"""What the files API does with the database, the storage and the queue.

An upload stores the object first, then writes its ``files`` row and its
``process_file`` job in one transaction; if anything fails after the object exists,
the object is deleted again, so a failed upload leaves neither an object nor a row.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable
from typing import Any

import anyio
from arq.connections import ArqRedis
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from files_service.files.upload import UploadStream
from saaskit import queue
from saaskit.db.database import Database
from saaskit.db.schema import files, jobs
from saaskit.db.writers import lock_active_user
from saaskit.files.problems import file_not_found
from saaskit.logging import get_logger
from saaskit.storage import AsyncStorage, new_key
from saaskit.web.params import PageParams

log = get_logger(__name__)

FILE_COLUMNS = (
    files.c.id, files.c.filename, files.c.content_type, files.c.size, files.c.sha256,
    files.c.status, files.c.created_at,
)


async def create(
    db: Database, storage: AsyncStorage, pool: ArqRedis, owner_id: int,
    upload: UploadStream, body: AsyncIterable[bytes],
) -> dict[str, Any]:
    file_id = uuid.uuid4()
    key = new_key("uploads", file_id)
    await storage.write(key, upload.file_chunks(body))
    checked = upload.result
    try:
        async with db.begin() as conn:
            await lock_active_user(conn, owner_id)  # 401 for a gone or inactive account
            row = (await conn.execute(
                insert(files).values(
                    id=file_id, owner_id=owner_id, filename=upload.filename,
                    content_type=checked.content_type, size=checked.size, storage_key=key,
                    upload_sha256=checked.sha256,
                ).returning(*FILE_COLUMNS)
            )).one()
            job_id = (await conn.execute(
                insert(jobs).values(owner_id=owner_id, type=queue.PROCESS_FILE,
                                    payload={"file_id": str(file_id)}).returning(jobs.c.id)
            )).scalar_one()
    except BaseException:
        with anyio.CancelScope(shield=True):
            await storage.delete(key)
        raise
    await _queue_processing(pool, job_id)
    return dict(row._mapping)


async def _queue_processing(pool: ArqRedis, job_id: int) -> None:
    """Best effort: the upload has succeeded whatever Redis says; a job left ``queued``
    is queued again by the worker's periodic sweep."""
    try:
        await queue.enqueue(pool, queue.PROCESS_FILE, job_id)
    except Exception as exc:  # noqa: BLE001
        log.warning("file processing not queued; the sweep will retry", job_id=job_id,
                    error=type(exc).__name__)


def parse_id(raw: str) -> uuid.UUID:
    """A malformed id names no file: 404, like any id that is not the caller's."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise file_not_found() from None


async def get(conn: AsyncConnection, owner_id: int, file_id: uuid.UUID, *extra) -> Any:
    row = (await conn.execute(
        select(*FILE_COLUMNS, *extra).where(files.c.id == file_id, files.c.owner_id == owner_id)
    )).one_or_none()
    if row is None:
        raise file_not_found()
    return row


async def list_page(
    conn: AsyncConnection, owner_id: int, paging: PageParams
) -> tuple[list[Any], str | None]:
    """A page of the owner's files, newest first, and the next page's cursor."""
    query = paging.apply(select(*FILE_COLUMNS).where(files.c.owner_id == owner_id), files)
    return paging.page_of((await conn.execute(query)).all())


async def remove(
    db: Database, storage: AsyncStorage, owner_id: int, file_id: uuid.UUID
) -> None:
    """The row goes only if its objects could be deleted (else 503 and nothing changes)."""
    async with db.begin() as conn:
        await lock_active_user(conn, owner_id)  # 401 for a gone or inactive account
        row = (await conn.execute(
            delete(files).where(files.c.id == file_id, files.c.owner_id == owner_id)
            .returning(files.c.storage_key, files.c.thumbnail_key)
        )).one_or_none()
        if row is None:
            raise file_not_found()
        for key in (row.storage_key, row.thumbnail_key):
            if key:
                await storage.delete(key)
