"""HTTP routes of the files API (contract: "Files")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import RedirectResponse, StreamingResponse

from files_service.files import service
from files_service.files.dependencies import StorageDep
from files_service.files.exceptions import file_not_found
from files_service.files.schemas import File, FilePage
from files_service.files.upload import UploadStream, boundary_of, check_declared_length
from saaskit.db.schema import files
from saaskit.filetypes import content_disposition
from saaskit.metrics import UploadMetrics
from saaskit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Cursor, InvalidCursor, next_cursor
from saaskit.problems import validation_error
from saaskit.storage import ObjectNotFound
from saaskit.web.auth import CurrentUserId
from saaskit.web.deps import ConnDep, DatabaseDep, QueueDep, SettingsDep

PROBLEM = {"content": {"application/problem+json": {}}}
NOT_FOUND = {404: {"description": "no such file of the caller's", **PROBLEM}}

router = APIRouter(prefix="/files", tags=["files"])
UPLOADS = UploadMetrics("files", "fastapi")

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
        }}},
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=File,
    summary="Upload a file (multipart/form-data, one part named `file`)",
    openapi_extra=_UPLOAD_BODY,
    responses={
        413: {"description": "larger than the limit", **PROBLEM},
        415: {"description": "type (from the bytes) not allowed, or not multipart", **PROBLEM},
        422: {"description": "no part named `file`", **PROBLEM},
    },
)
async def upload(
    request: Request, response: Response, user_id: CurrentUserId, db: DatabaseDep,
    storage: StorageDep, pool: QueueDep, settings: SettingsDep,
) -> dict:
    check_declared_length(request.headers.get("content-length"), settings.max_upload_bytes)
    stream = UploadStream(
        boundary_of(request.headers.get("content-type")),
        settings.max_upload_bytes,
        settings.allowed_content_types,
    )
    created = await service.create(db, storage, pool, user_id, stream, request.stream())
    UPLOADS.observe(created["size"])
    response.headers["Location"] = f"/files/{created['id']}"
    return created


@router.get("", response_model=FilePage, summary="The caller's files, newest first")
async def list_files(
    conn: ConnDep,
    user_id: CurrentUserId,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> dict:
    after = None
    if cursor is not None:
        try:
            after = Cursor.decode(cursor, id_type=service.uuid.UUID)
        except InvalidCursor:
            raise validation_error(["query", "cursor"], "cursor is not valid") from None
    rows = await service.list_page(conn, user_id, limit, after)
    return {
        "items": [row._mapping for row in rows[:limit]],
        "next_cursor": next_cursor(rows, limit, lambda r: r.created_at, lambda r: r.id),
    }


@router.get("/{id}", response_model=File, summary="One of the caller's files",
            responses=NOT_FOUND)
async def get_file(id: str, conn: ConnDep, user_id: CurrentUserId) -> dict:
    return (await service.get(conn, user_id, service.parse_id(id)))._mapping


@router.get(
    "/{id}/download",
    summary="The bytes as uploaded: streamed (local storage) or a 307 to a presigned URL (S3)",
    response_class=Response,
    # The stored type (one of the allow-list), whatever it is: any media type.
    responses={200: {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
               307: {"description": "presigned URL, valid at most 15 minutes"}, **NOT_FOUND},
)
async def download(
    id: str, db: DatabaseDep, storage: StorageDep, user_id: CurrentUserId
) -> Response:
    async with db.connect() as conn:
        row = await service.get(conn, user_id, service.parse_id(id), files.c.storage_key)
    url = await storage.presigned_get_url(
        row.storage_key, filename=row.filename, content_type=row.content_type
    )
    if url is not None:
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    try:
        chunks = await storage.open(row.storage_key)
    except ObjectNotFound:
        raise file_not_found() from None
    return StreamingResponse(
        chunks,
        media_type=row.content_type,
        headers={
            "Content-Length": str(row.size),
            "Content-Disposition": content_disposition(row.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete a file: its object and its row", responses=NOT_FOUND)
async def delete_file(
    id: str, db: DatabaseDep, storage: StorageDep, user_id: CurrentUserId
) -> Response:
    await service.remove(db, storage, user_id, service.parse_id(id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
