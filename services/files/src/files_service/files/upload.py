"""The ``file`` part of a multipart/form-data request, streamed.

``UploadStream.file_chunks(request.stream())`` feeds the request body through
python-multipart's push parser and yields only the bytes of the first part named
``file``, which it feeds to the kit's ``UploadCheck`` (size, type from the bytes,
SHA-256: the checks the Django twin's upload handler feeds too). It raises as soon as
something is wrong: 413 the moment the size limit is crossed, 415 once the first bytes
are seen, 400 for a malformed body, 422 at the end if there was no ``file`` part.
Nothing is buffered beyond one network chunk and the sniff window.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Collection

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from saaskit.bad_input import MAX_FORM_PARTS, too_many_parts
from saaskit.files.problems import malformed_body, missing_file_part, not_multipart
from saaskit.files.types import sanitize_filename
from saaskit.files.uploads import FIELD, CheckedUpload, UploadCheck, check_body_size


def boundary_of(content_type: str | None) -> bytes:
    mime, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary or len(boundary) > 200:
        raise not_multipart()
    return boundary


class UploadStream:
    def __init__(self, boundary: bytes, max_bytes: int, allowed: Collection[str]) -> None:
        self.max_bytes = max_bytes
        self.check = UploadCheck(max_bytes, allowed)
        self.filename = "file"
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._in_file = False
        self._seen_file = False
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
    def result(self) -> CheckedUpload:
        """Size, type and checksum of the file, once ``file_chunks`` has run out."""
        return self.check.result

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
            self._pending.append(self.check.feed(data[start:end]))

    def _on_part_end(self) -> None:
        if self._in_file:
            self._in_file = False
            self._pending.append(self.check.finish())

    def _on_end(self) -> None:
        self._ended = True

    # The stream.

    async def file_chunks(self, body: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        received = 0
        async for chunk in body:
            received += len(chunk)
            check_body_size(received, self.max_bytes)
            try:
                self._parser.write(chunk)
            except MultipartParseError:
                raise malformed_body() from None
            data = b"".join(self._pending)
            self._pending.clear()
            if data:
                yield data
        if not self._ended:
            raise malformed_body() if self._seen_file else missing_file_part()
        if not self._seen_file:
            raise missing_file_part()
