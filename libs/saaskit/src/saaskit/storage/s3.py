"""Objects in an S3-compatible bucket (MinIO, AWS S3, ...) through the ``minio`` client.

Uploads of unknown length go up as a multipart upload, one part (5 MiB) in memory at a
time; a failed upload is aborted, so no partial object remains.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import BinaryIO, cast

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from urllib3 import BaseHTTPResponse

from saaskit.files.types import content_disposition
from saaskit.storage.base import CHUNK_SIZE, ObjectNotFound, Storage, StorageUnavailable, check_key

PART_SIZE = 5 * 1024 * 1024  # S3's minimum part size
MAX_PRESIGN = timedelta(minutes=15)
_NOT_FOUND = {"NoSuchKey", "NoSuchObject"}
# What a down or misbehaving endpoint raises through minio.
_UNAVAILABLE = (MinioException, urllib3.exceptions.HTTPError, OSError)


class _IterReader:
    """The ``read(n)`` that minio wants, over an iterator of chunks."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = bytearray()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
            self.size += len(chunk)
        if size < 0:
            size = len(self._buffer)
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out


def _stream(response: BaseHTTPResponse) -> Iterator[bytes]:
    try:
        yield from response.stream(CHUNK_SIZE)
    finally:
        response.close()
        response.release_conn()


class S3Storage(Storage):
    def __init__(
        self, endpoint: str, bucket: str, access_key: str, secret_key: str, *,
        secure: bool = False, region: str = "us-east-1", presign_seconds: int = 600,
        connect_timeout: float = 2.0, read_timeout: float = 30.0, public_endpoint: str = "",
    ) -> None:
        # Few, quick retries: a down endpoint must become a 503 in seconds, not minutes.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            retries=urllib3.Retry(total=2, backoff_factor=0.1, status_forcelist=(502, 503, 504)),
            maxsize=32,
        )
        # The region is given so that signing never needs a network round trip.
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key,
                            secure=secure, region=region, http_client=http)
        # A presigned URL signs its host: it must be the host the client will ask. Signing
        # is local (region given), so a second client for the public name costs nothing.
        self.presigner = (Minio(public_endpoint, access_key=access_key, secret_key=secret_key,
                                secure=secure, region=region)
                          if public_endpoint else self.client)
        self.bucket = bucket
        self.presign_expiry = min(timedelta(seconds=presign_seconds), MAX_PRESIGN)

    def ensure_bucket(self) -> None:
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise StorageUnavailable(f"bucket {self.bucket!r}: {exc.code}") from exc
        except _UNAVAILABLE as exc:
            raise StorageUnavailable(f"S3 endpoint unreachable: {type(exc).__name__}") from exc

    def prepare(self) -> None:
        self.ensure_bucket()

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        reader = _IterReader(chunks)
        try:
            self.client.put_object(
                # minio only ever calls read(n) on it
                self.bucket, check_key(key), cast(BinaryIO, reader), length=-1, part_size=PART_SIZE,
                num_parallel_uploads=1,
            )
        except _UNAVAILABLE as exc:
            raise StorageUnavailable(f"S3 write failed: {type(exc).__name__}") from exc
        return reader.size

    def open(self, key: str) -> Iterator[bytes]:
        try:
            response = self.client.get_object(self.bucket, check_key(key))
        except S3Error as exc:
            if exc.code in _NOT_FOUND:
                raise ObjectNotFound(key) from None
            raise StorageUnavailable(f"S3 read failed: {exc.code}") from exc
        except _UNAVAILABLE as exc:
            raise StorageUnavailable(f"S3 read failed: {type(exc).__name__}") from exc
        return _stream(response)

    def delete(self, key: str) -> None:
        try:
            self.client.remove_object(self.bucket, check_key(key))
        except _UNAVAILABLE as exc:
            raise StorageUnavailable(f"S3 delete failed: {type(exc).__name__}") from exc

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, check_key(key))
            return True
        except S3Error as exc:
            if exc.code in _NOT_FOUND or exc.code == "NoSuchKey":
                return False
            raise StorageUnavailable(f"S3 stat failed: {exc.code}") from exc
        except _UNAVAILABLE as exc:
            raise StorageUnavailable(f"S3 stat failed: {type(exc).__name__}") from exc

    def presigned_get_url(self, key: str, *, filename: str, content_type: str) -> str:
        return self.presigner.presigned_get_object(
            self.bucket, check_key(key), expires=self.presign_expiry,
            response_headers={
                "response-content-disposition": content_disposition(filename),
                "response-content-type": content_type,
            },
        )

    def check(self) -> None:
        try:
            found = self.client.bucket_exists(self.bucket)
        except _UNAVAILABLE as exc:
            raise StorageUnavailable(f"S3 endpoint unreachable: {type(exc).__name__}") from exc
        if not found:
            raise StorageUnavailable(f"bucket {self.bucket!r} does not exist")
