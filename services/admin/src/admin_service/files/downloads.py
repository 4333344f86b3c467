"""The bytes of a file as uploaded: a 307 to a presigned URL (S3), or streamed
(local storage) as an attachment that a browser will not sniff or render, with the
headers the FastAPI files service sends (``saaskit.files.downloads``)."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse

from admin_service import runtime
from admin_service.files.models import File
from saaskit.files.downloads import download_headers, redirect_headers


def download_response(file: File) -> HttpResponse | StreamingHttpResponse:
    """Raises ``saaskit.storage.ObjectNotFound`` when the object is missing."""
    storage = runtime.storage()
    url = storage.presigned_get_url(
        file.storage_key, filename=file.filename, content_type=file.content_type
    )
    if url is not None:
        return HttpResponse(status=307, headers=redirect_headers(url))
    return StreamingHttpResponse(
        storage.open(file.storage_key),
        headers=download_headers(
            filename=file.filename, content_type=file.content_type, size=file.size
        ),
    )
