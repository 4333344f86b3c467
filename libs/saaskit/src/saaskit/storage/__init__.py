"""Object storage behind one small interface, two backends.

Synchronous core (Django, worker threads)::

    storage = build_storage(settings)      # LocalStorage or S3Storage
    key = new_key("uploads")               # "uploads/<uuid hex>", never from user input
    size = storage.write(key, chunks)      # iterable of bytes; all or nothing
    for chunk in storage.open(key): ...    # ObjectNotFound raised before the first chunk
    storage.exists(key); storage.delete(key)
    url = storage.presigned_get_url(key, filename=..., content_type=...)  # S3; None locally

asyncio (FastAPI, the worker): ``AsyncStorage(storage)`` has the same methods as
coroutines, and ``write`` takes an async iterable. Failures of the backend raise
``StorageUnavailable`` (answer 503).
"""

from __future__ import annotations

from saaskit import tracing
from saaskit.settings import Settings
from saaskit.storage.aio import AsyncStorage
from saaskit.storage.base import (
    CHUNK_SIZE,
    ObjectNotFound,
    Storage,
    StorageError,
    StorageUnavailable,
    file_chunks,
    new_key,
)
from saaskit.storage.local import LocalStorage
from saaskit.storage.traced import TracedStorage

__all__ = [
    "CHUNK_SIZE", "AsyncStorage", "LocalStorage", "ObjectNotFound", "Storage",
    "StorageError", "StorageUnavailable", "build_storage", "file_chunks", "new_key",
]


def build_storage(settings: Settings) -> Storage:
    """The backend ``APP_STORAGE_BACKEND`` names. No network I/O here; call
    ``S3Storage.ensure_bucket()`` at start-up if the bucket may be missing."""
    storage = _backend(settings)
    return TracedStorage(storage, settings.storage_backend) if tracing.endpoint() else storage


def _backend(settings: Settings) -> Storage:
    if settings.storage_backend == "s3":
        # Imported here: the MinIO client is the saaskit[s3] extra, and a service that
        # never builds a storage (auth, resources) imports this package for its types.
        from saaskit.storage.s3 import S3Storage

        return S3Storage(
            settings.s3_endpoint,
            settings.s3_bucket,
            settings.s3_access_key.get_secret_value(),
            settings.s3_secret_key.get_secret_value(),
            secure=settings.s3_secure,
            region=settings.s3_region,
            presign_seconds=settings.s3_presign_seconds,
            public_endpoint=settings.s3_public_endpoint,
        )
    return LocalStorage(settings.storage_local_dir)
