"""The storage interface: a flat namespace of objects addressed by generated keys.

The core is synchronous (the Django service and the worker's threads call it directly);
``saaskit.storage.aio`` wraps it for asyncio code.
"""

from __future__ import annotations

import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import BinaryIO

CHUNK_SIZE = 256 * 1024

# Keys are made here, never from client input: "<kind>/<32 hex>[.<ext>]".
_KEY_RE = re.compile(r"^[a-z]{1,32}/[0-9a-f]{32}(\.[a-z0-9]{1,8})?$")


class StorageError(Exception):
    """Base class of storage failures."""


class StorageUnavailable(StorageError):
    """The backend did not answer or failed; worth retrying later (HTTP 503)."""


class ObjectNotFound(StorageError):
    """No object under that key."""


def new_key(kind: str, ident: uuid.UUID | None = None, suffix: str = "") -> str:
    """A fresh key such as ``uploads/<uuid hex>``; pass ``ident`` to derive it from a
    server-made id instead (deterministic keys make a re-run job overwrite, not duplicate)."""
    key = f"{kind}/{(ident or uuid.uuid4()).hex}{suffix}"
    return check_key(key)


def check_key(key: str) -> str:
    if not _KEY_RE.fullmatch(key):
        raise ValueError("not a storage key made by saaskit.storage.new_key")
    return key


def file_chunks(fileobj: BinaryIO, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """A binary file object as an iterator of chunks (for ``Storage.write``)."""
    while chunk := fileobj.read(chunk_size):
        yield chunk


class Storage(ABC):
    """One object store. Every method may raise ``StorageUnavailable``."""

    @abstractmethod
    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        """Store the chunks under ``key`` (replacing any object there) and return the
        size. All or nothing: if ``chunks`` raises, nothing is left under ``key`` (the
        exception propagates)."""

    @abstractmethod
    def open(self, key: str) -> Iterator[bytes]:
        """The object's bytes as chunks. Raises ``ObjectNotFound`` at once, before the
        first chunk, when the key does not exist."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def presigned_get_url(self, key: str, *, filename: str, content_type: str) -> str | None:
        """A time-limited URL that downloads the object as an attachment, or None when
        the backend cannot make one (local directory: stream the bytes instead)."""

    @abstractmethod
    def check(self) -> None:
        """Raise unless the backend is usable (readiness)."""

    def prepare(self) -> None:  # noqa: B027 - an optional hook: most backends need nothing
        """Make the backend usable at start-up (S3: create the bucket when missing).
        Nothing to do for a local directory, which ``write`` creates as needed."""

    def read_bytes(self, key: str) -> bytes:
        """The whole object in memory: for small objects only (thumbnails, tests)."""
        return b"".join(self.open(key))
