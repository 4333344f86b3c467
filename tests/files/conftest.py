"""Fixtures of the files suite: the files service over real HTTP, on either storage
backend. The S3 backend talks to a real S3 endpoint served by moto over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from devstack.net import free_port
from saaskit.settings import Settings
from saaskit.storage import LocalStorage, S3Storage, Storage, build_storage
from tests.support.servers import threaded_server

MIB = 1024 * 1024


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop()


def s3_settings(settings: Settings, endpoint: str) -> Settings:
    """``settings`` pointed at a fresh bucket of the moto endpoint."""
    return settings.model_copy(update={
        "storage_backend": "s3",
        "s3_endpoint": endpoint,
        "s3_bucket": f"test-{uuid.uuid4().hex[:16]}",
        "s3_access_key": SecretStr("testing"),
        "s3_secret_key": SecretStr("testing"),
    })


@pytest.fixture(params=["local", "s3"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def storage_settings(settings: Settings, backend: str, request) -> Settings:
    """The test settings on the backend under test (upload limit 12 MiB)."""
    base = settings.model_copy(update={"max_upload_bytes": 12 * MIB})
    if backend == "s3":
        return s3_settings(base, request.getfixturevalue("s3_endpoint"))
    return base


@pytest.fixture
def storage(storage_settings: Settings) -> Storage:
    built = build_storage(storage_settings)
    if isinstance(built, S3Storage):
        built.ensure_bucket()
    return built


def stored_keys(storage: Storage) -> set[str]:
    """Every object in the store (temporary files included, to catch leftovers)."""
    if isinstance(storage, LocalStorage):
        return {str(p.relative_to(storage.root)) for p in storage.root.rglob("*") if p.is_file()}
    assert isinstance(storage, S3Storage)
    return {o.object_name for o in storage.client.list_objects(storage.bucket, recursive=True)}


def serve_files(settings: Settings):
    from files_service.main import create_app

    return threaded_server(create_app(settings))


@pytest.fixture
def files_url(storage_settings: Settings, storage: Storage, auth_url: str) -> Iterator[str]:
    with serve_files(storage_settings) as url:
        yield url
