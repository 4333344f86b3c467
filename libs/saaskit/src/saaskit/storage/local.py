"""Objects as files under one directory. Writes go to a temporary file that is renamed
into place on success, so a reader never sees a partial object."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from saaskit.storage.base import CHUNK_SIZE, ObjectNotFound, Storage, StorageUnavailable, check_key


def _unavailable(action: str, exc: OSError) -> StorageUnavailable:
    return StorageUnavailable(f"cannot {action} the storage directory: {exc.strerror}")


def _chunks_then_close(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


class LocalStorage(Storage):
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except OSError as exc:
            raise _unavailable("write to", exc) from exc
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    size += len(chunk)
            os.replace(tmp_name, path)
        except BaseException as exc:
            Path(tmp_name).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise _unavailable("write to", exc) from exc
            raise
        return size

    def open(self, key: str) -> Iterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise _unavailable("read from", exc) from exc
        return _chunks_then_close(handle)

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise _unavailable("delete from", exc) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def presigned_get_url(self, key: str, *, filename: str, content_type: str) -> str | None:
        return None

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise StorageUnavailable(f"{self.root} is not writable")
