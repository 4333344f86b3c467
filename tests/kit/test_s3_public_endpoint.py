"""Presigned downloads name the host clients use (APP_S3_PUBLIC_ENDPOINT).

Found on the real cluster: with the in-chart S3, a download answered 307 to
``http://saas-minio:9000/...``, a name only pods can resolve, so a user following the
chart's NOTES (port-forward 9000:9000) could not download anything. The URL signs its
host, so it must be made for the public name, not rewritten afterwards."""

from __future__ import annotations

import io
import uuid
from urllib.parse import urlsplit

import httpx

from saaskit.storage import build_storage
from saaskit.storage.s3 import S3Storage
from tests.support.fixtures.storage import s3_settings


def _stored(storage: S3Storage, data: bytes) -> str:
    key = f"files/{uuid.uuid4().hex}"
    storage.ensure_bucket()
    storage.client.put_object(storage.bucket, key, io.BytesIO(data), len(data))
    return key


def test_the_presigned_url_names_the_public_endpoint_and_serves_the_bytes(settings, s3_endpoint):
    port = s3_endpoint.rsplit(":", 1)[1]
    public = f"localhost:{port}"  # the same server under the name a client would use
    storage = build_storage(s3_settings(settings, s3_endpoint).model_copy(
        update={"s3_public_endpoint": public}))
    assert isinstance(storage, S3Storage)
    key = _stored(storage, b"public bytes")
    url = storage.presigned_get_url(key, filename="a.txt", content_type="text/plain")
    assert urlsplit(url).netloc == public
    assert httpx.get(url).content == b"public bytes"


def test_without_a_public_endpoint_the_url_names_the_service_endpoint(settings, s3_endpoint):
    storage = build_storage(s3_settings(settings, s3_endpoint))
    assert isinstance(storage, S3Storage)
    key = _stored(storage, b"x")
    url = storage.presigned_get_url(key, filename="a.txt", content_type="text/plain")
    assert urlsplit(url).netloc == s3_endpoint
