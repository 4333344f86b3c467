"""The bytes of a file as uploaded: a 307 to a presigned URL (S3), or streamed
(local storage) as an attachment that a browser will not sniff or render."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse

from admin_service import runtime
from admin_service.files.models import File
from saaskit.filetypes import content_disposition


def download_response(file: File) -> HttpResponse | StreamingHttpResponse:
    """Raises ``saaskit.storage.ObjectNotFound`` when the object is missing."""
    storage = runtime.storage()
    url = storage.presigned_get_url(
        file.storage_key, filename=file.filename, content_type=file.content_type
    )
    if url is not None:
        response = HttpResponseRedirect(url, status=307)
        response["Cache-Control"] = "no-store"
        return response
    response = StreamingHttpResponse(storage.open(file.storage_key), content_type=file.content_type)
    response["Content-Length"] = str(file.size)
    response["Content-Disposition"] = content_disposition(file.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
