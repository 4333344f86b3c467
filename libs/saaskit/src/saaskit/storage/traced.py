"""A storage backend with a client span around each call, for traces of uploads,
downloads and the worker's writes (a local directory has no client library to
instrument; for S3 the urllib3 spans of the HTTP calls nest inside these).

``build_storage`` wraps a backend in it only when tracing is configured, so an
untraced process calls its backend directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from saaskit import tracing
from saaskit.storage.base import Storage


class TracedStorage(Storage):
    def __init__(self, inner: Storage, system: str) -> None:
        self.inner = inner
        self.system = system

    def __getattr__(self, name: str):  # backend extras, e.g. S3Storage.ensure_bucket
        return getattr(self.inner, name)

    def _span(self, operation: str, key: str | None = None):
        attributes = {"storage.system": self.system, "storage.operation": operation}
        if key is not None:
            attributes["storage.key"] = key
        return tracing.span(f"storage {operation}", "CLIENT", **attributes)

    def prepare(self) -> None:
        with self._span("prepare"):
            self.inner.prepare()

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        with self._span("write", key):
            return self.inner.write(key, chunks)

    def open(self, key: str) -> Iterator[bytes]:
        with self._span("open", key):
            return self.inner.open(key)

    def delete(self, key: str) -> None:
        with self._span("delete", key):
            self.inner.delete(key)

    def exists(self, key: str) -> bool:
        with self._span("exists", key):
            return self.inner.exists(key)

    def presigned_get_url(self, key: str, *, filename: str, content_type: str) -> str | None:
        return self.inner.presigned_get_url(key, filename=filename, content_type=content_type)

    def check(self) -> None:
        self.inner.check()
