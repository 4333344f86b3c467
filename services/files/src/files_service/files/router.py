"""HTTP routes of the files API (contract: "Files")."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse

from files_service.files import service
from files_service.files.responses import file
from files_service.files.schemas import File, FilePage
from files_service.files.upload import UploadStream, boundary_of
from saaskit.db.schema import files
from saaskit.files.downloads import download_headers, redirect_headers
from saaskit.files.problems import file_not_found
from saaskit.files.uploads import check_declared_length
from saaskit.metrics import UploadMetrics
from saaskit.storage import ObjectNotFound
from saaskit.web.auth import CurrentUserId
from saaskit.web.deps import ConnDep, DatabaseDep, QueueDep, SettingsDep, StorageDep
from saaskit.web.params import UuidPaging
from saaskit.web.problem_docs import COMMON, problem
from saaskit.web.responses import JSONBytes, page

NOT_FOUND = problem(404, "no such file of the caller's")

router = APIRouter(prefix="/files", tags=["files"], responses=COMMON)
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
        **problem(413, "larger than the limit"),
        **problem(415, "type (from the bytes) not allowed, or not multipart"),
        **problem(422, "no part named `file`"),
    },
)
async def upload(
    request: Request, user_id: CurrentUserId, db: DatabaseDep,
    storage: StorageDep, pool: QueueDep, settings: SettingsDep,
) -> JSONBytes:
    check_declared_length(request.headers.get("content-length"), settings.max_upload_bytes)
    stream = UploadStream(
        boundary_of(request.headers.get("content-type")),
        settings.max_upload_bytes,
        settings.allowed_content_types,
    )
    created = await service.create(db, storage, pool, user_id, stream, request.stream())
    UPLOADS.observe(created["size"])
    return JSONBytes(file(created), status_code=status.HTTP_201_CREATED,
                     headers={"Location": f"/files/{created['id']}"})


@router.get("", response_model=FilePage, summary="The caller's files, newest first")
async def list_files(conn: ConnDep, user_id: CurrentUserId, paging: UuidPaging) -> JSONBytes:
    rows, cursor = await service.list_page(conn, user_id, paging)
    return JSONBytes(page([file(row._mapping) for row in rows], cursor))


@router.get("/{id}", response_model=File, summary="One of the caller's files",
            responses=NOT_FOUND)
async def get_file(id: str, conn: ConnDep, user_id: CurrentUserId) -> JSONBytes:
    return JSONBytes(file((await service.get(conn, user_id, service.parse_id(id)))._mapping))


@router.get(
    "/{id}/download",
    summary="The bytes as uploaded: streamed (local storage) or a 307 to a presigned URL (S3)",
    response_class=Response,
    # The stored type; saaskit.openapi.complete_document names each one served.
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
        return Response(status_code=307, headers=redirect_headers(url))
    try:
        chunks = await storage.open(row.storage_key)
    except ObjectNotFound:
        raise file_not_found() from None
    # No media_type: Starlette would add "; charset=utf-8" to a text type, claiming an
    # encoding the stored bytes never promised (the Django twin sends the type as is).
    return StreamingResponse(
        chunks,
        headers=download_headers(filename=row.filename, content_type=row.content_type,
                                 size=row.size),
    )


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete a file: its object and its row", responses=NOT_FOUND)
async def delete_file(
    id: str, db: DatabaseDep, storage: StorageDep, user_id: CurrentUserId
) -> Response:
    await service.remove(db, storage, user_id, service.parse_id(id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
