"""The checks of an uploaded file's bytes, made while they stream in, for both stacks.

``UploadCheck`` is fed the ``file`` part chunk by chunk (by python-multipart's push
parser on FastAPI, by Django's upload handler on the twin) and decides, the same way for
both:

- size: ``too_large`` (413) the moment the part passes ``max_bytes``;
- type: from the bytes alone (``saaskit.files.types.detect_content_type``), decided once
  more than ``SNIFF_BYTES`` have arrived, or at the end for a smaller file, so the
  verdict never depends on how the network cut the body; ``unsupported_type`` (415)
  outside the allow-list;
- checksum: the SHA-256 of every byte.

Invariant: no byte leaves ``feed`` before the type is decided and allowed. ``feed``
returns the bytes cleared for storing (nothing while the first ``SNIFF_BYTES`` are held
back, then the held head with the chunk), ``finish`` the rest, so a refused type is never
written anywhere, and at most the sniff window plus one chunk is held in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass

from saaskit.files.problems import too_large, unsupported_type
from saaskit.files.types import SNIFF_BYTES, detect_content_type

FIELD = "file"
"""The multipart part that carries the file (contract: "one part named `file`")."""
ENVELOPE_BYTES = 64 * 1024
"""Room for the boundaries and part headers around the file, and small extra fields."""


def check_declared_length(content_length: str | None, max_bytes: int) -> None:
    """Refuse (413) before reading a byte when the client says the body is too big."""
    declared = int(content_length) if content_length and content_length.isdigit() else 0
    if declared > max_bytes + ENVELOPE_BYTES:
        raise too_large(max_bytes)


def check_body_size(received: int, max_bytes: int) -> None:
    """413 once a whole multipart body (file and envelope) passes what a file under the
    limit could need: the parsers stop reading a body made of huge extra parts."""
    if received > max_bytes + ENVELOPE_BYTES:
        raise too_large(max_bytes)


@dataclass(frozen=True)
class CheckedUpload:
    """What the checks found, for the ``files`` row."""

    size: int
    content_type: str
    sha256: str


class UploadCheck:
    def __init__(self, max_bytes: int, allowed: Collection[str]) -> None:
        self.max_bytes = max_bytes
        self.allowed = allowed
        self.size = 0
        self._sha = hashlib.sha256()
        self._head = bytearray()  # held back until the type is decided
        self._content_type: str | None = None
        self._result: CheckedUpload | None = None

    def feed(self, chunk: bytes) -> bytes:
        """Check the next chunk; return the bytes now cleared for storing."""
        if self._result is not None:
            raise RuntimeError("the upload is already finished")
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise too_large(self.max_bytes)
        self._sha.update(chunk)
        if self._content_type is not None:
            return chunk
        self._head += chunk
        if len(self._head) <= SNIFF_BYTES:
            return b""
        self._decide(complete=False)
        return self._release()

    def finish(self) -> bytes:
        """The end of the part: decide the type of a small file; return what was held."""
        if self._content_type is None:
            self._decide(complete=True)
        assert self._content_type is not None
        self._result = CheckedUpload(self.size, self._content_type, self._sha.hexdigest())
        return self._release()

    @property
    def result(self) -> CheckedUpload:
        if self._result is None:
            raise RuntimeError("the upload is not finished")
        return self._result

    def _decide(self, *, complete: bool) -> None:
        detected = detect_content_type(bytes(self._head[:SNIFF_BYTES]), complete)
        if detected not in self.allowed:
            raise unsupported_type(detected)
        self._content_type = detected

    def _release(self) -> bytes:
        held = bytes(self._head)
        self._head.clear()
        return held
