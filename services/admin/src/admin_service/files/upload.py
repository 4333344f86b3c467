"""The ``file`` part of a multipart upload, checked while Django's multipart parser
streams it: this upload handler feeds each chunk to the kit's ``UploadCheck`` (the
checks the FastAPI files service feeds from python-multipart): 413 the moment the size
limit is crossed, 415 before more than the sniff window is read, the SHA-256 of every
byte. Only the bytes the check has cleared are spooled, to a temporary file on disk,
never held in memory; other parts are dropped unread."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest

from saaskit.files.types import sanitize_filename
from saaskit.files.uploads import FIELD, CheckedUpload, UploadCheck


class CheckedUploadHandler(TemporaryFileUploadHandler):
    def __init__(self, request: HttpRequest, max_bytes: int, allowed: Collection[str]) -> None:
        super().__init__(request)
        self.check = UploadCheck(max_bytes, allowed)
        self.display_name = "file"
        self._taking = False
        self._taken = False

    @property
    def result(self) -> CheckedUpload:
        """Size, type and checksum of the file, once Django has parsed the body."""
        return self.check.result

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        self._taking = field_name == FIELD and not self._taken
        if self._taking:
            self._taken = True
            self.display_name = sanitize_filename(file_name)
            super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if not self._taking:
            return None  # other parts are dropped, unread by anything
        cleared = self.check.feed(raw_data)
        if cleared:
            super().receive_data_chunk(cleared, start)
        return None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self._taking:
            return None
        self._taking = False
        rest = self.check.finish()
        if rest:
            super().receive_data_chunk(rest, 0)
        return super().file_complete(file_size)
