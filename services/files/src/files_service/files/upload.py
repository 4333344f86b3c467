"""The ``file`` part of a multipart/form-data request, streamed.

``UploadStream.file_chunks(request.stream())`` feeds the request body through
python-multipart's push parser and yields only the bytes of the first part named
``file``, while it counts them, hashes them (SHA-256) and decides their type from the
first ``SNIFF_BYTES``. It raises as soon as something is wrong: 413 the moment the size
limit is crossed, 415 once the first bytes are seen, 422 at the end if there was no
``file`` part. Nothing is buffered beyond one network chunk and the sniff window.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from files_service.files.exceptions import (
    malformed_body,
    missing_file_part,
    not_multipart,
    too_large,
    unsupported_type,
)
from saaskit.bad_input import MAX_FORM_PARTS, too_many_parts
from saaskit.filetypes import SNIFF_BYTES, detect_content_type, sanitize_filename

FIELD = "file"
# Room for the boundaries and part headers around the file, and small extra fields.
ENVELOPE_BYTES = 64 * 1024


def boundary_of(content_type: str | None) -> bytes:
    mime, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary or len(boundary) > 200:
        raise not_multipart()
    return boundary


def check_declared_length(content_length: str | None, max_bytes: int) -> None:
    """Refuse before reading a byte when the client says the body is too big."""
    declared = int(content_length) if content_length and content_length.isdigit() else 0
    if declared > max_bytes + ENVELOPE_BYTES:
        raise too_large(max_bytes)


class UploadStream:
    def __init__(self, boundary: bytes, max_bytes: int, allowed: tuple[str, ...]) -> None:
        self.max_bytes = max_bytes
        self.allowed = allowed
        self.filename = "file"
        self.content_type: str | None = None
        self.size = 0
        self._sha = hashlib.sha256()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._in_file = False
        self._seen_file = False
        self._file_done = False
        self._ended = False
        self._pending: list[bytes] = []
        self._parts = 0
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._on_part_begin,
            "on_header_field": lambda d, s, e: self._header_field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        })

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    # Parser callbacks (called synchronously from ``parser.write``).

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_FORM_PARTS:
            raise too_many_parts()  # the contract's 413, as for any form
        self._headers = {}

    def _on_header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        # Part headers are bytes; latin-1 keeps them byte for byte, UTF-8 then decodes.
        disposition = self._headers.get(b"content-disposition", b"").decode("latin-1")
        _, options = parse_options_header(disposition)
        if options.get(b"name") == FIELD.encode() and not self._seen_file:
            self._seen_file = self._in_file = True
            raw = options.get(b"filename")
            self.filename = sanitize_filename(raw.decode("utf-8", "replace") if raw else None)

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._pending.append(data[start:end])

    def _on_part_end(self) -> None:
        if self._in_file:
            self._in_file = False
            self._file_done = True

    def _on_end(self) -> None:
        self._ended = True

    # The stream.

    def _decide_type(self, head: bytes, complete: bool) -> None:
        detected = detect_content_type(head[:SNIFF_BYTES], complete and len(head) <= SNIFF_BYTES)
        if detected not in self.allowed:
            raise unsupported_type(detected)
        self.content_type = detected

    async def file_chunks(self, body: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        head = bytearray()  # held back until the type is known
        body_bytes = 0
        async for chunk in body:
            body_bytes += len(chunk)
            if body_bytes > self.max_bytes + ENVELOPE_BYTES:
                raise too_large(self.max_bytes)
            try:
                self._parser.write(chunk)
            except MultipartParseError:
                raise malformed_body() from None
            data = b"".join(self._pending)
            self._pending.clear()
            if data:
                self.size += len(data)
                if self.size > self.max_bytes:
                    raise too_large(self.max_bytes)
                self._sha.update(data)
            if self.content_type is None:
                head += data
                if len(head) >= SNIFF_BYTES or self._file_done:
                    self._decide_type(bytes(head), complete=self._file_done)
                    data = bytes(head)
                    head.clear()
                else:
                    continue
            if data:
                yield data
        if not self._ended:
            raise malformed_body() if self._seen_file else missing_file_part()
        if not self._seen_file:
            raise missing_file_part()
