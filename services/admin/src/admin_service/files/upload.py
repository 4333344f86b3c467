"""The ``file`` part of a multipart upload, checked while Django's multipart parser
streams it: a custom upload handler counts the bytes (413 the moment the limit is
crossed), hashes them, and decides the type from the first bytes (415 before the rest
is read). The part is spooled to a temporary file on disk, never held in memory."""

from __future__ import annotations

import hashlib

from django.core.files.uploadhandler import TemporaryFileUploadHandler

from admin_service.files.exceptions import too_large, unsupported_type
from saaskit.filetypes import SNIFF_BYTES, detect_content_type, sanitize_filename

FIELD = "file"
# Room for the boundaries and part headers around the file.
ENVELOPE_BYTES = 64 * 1024


def check_declared_length(content_length: str | None, max_bytes: int) -> None:
    """Refuse before reading a byte when the client says the body is too big."""
    declared = int(content_length) if content_length and content_length.isdigit() else 0
    if declared > max_bytes + ENVELOPE_BYTES:
        raise too_large(max_bytes)


class CheckedUploadHandler(TemporaryFileUploadHandler):
    def __init__(self, request, max_bytes: int, allowed: tuple[str, ...]) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.allowed = allowed
        self.size = 0
        self.sha = hashlib.sha256()
        self.head = bytearray()
        self.detected_type: str | None = None
        self.display_name = "file"
        self._taking = False
        self._taken = False

    def new_file(
        self,
        field_name,
        file_name,
        content_type,
        content_length,
        charset=None,
        content_type_extra=None,
    ):
        self._taking = field_name == FIELD and not self._taken
        if self._taking:
            self._taken = True
            self.display_name = sanitize_filename(file_name)
            super().new_file(
                field_name, file_name, content_type, content_length, charset, content_type_extra
            )

    def receive_data_chunk(self, raw_data: bytes, start: int):
        if not self._taking:
            return None  # other parts are dropped, unread by anything
        self.size += len(raw_data)
        if self.size > self.max_bytes:
            raise too_large(self.max_bytes)
        self.sha.update(raw_data)
        if self.detected_type is None:
            self.head += raw_data[: SNIFF_BYTES - len(self.head)]
            if len(self.head) >= SNIFF_BYTES:
                self._decide(complete=False)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int):
        if not self._taking:
            return None
        self._taking = False
        if self.detected_type is None:
            self._decide(complete=True)
        return super().file_complete(file_size)

    def _decide(self, complete: bool) -> None:
        detected = detect_content_type(bytes(self.head), complete)
        if detected not in self.allowed:
            raise unsupported_type(detected)
        self.detected_type = detected
