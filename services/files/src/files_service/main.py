"""The files service: ``uvicorn files_service.main:create_app --factory``.

Everything but the routes is the kit's app factory: the storage it is given is prepared
at start-up, checked by ``/readyz``, and its outages answered 503 like the database's.
"""

from __future__ import annotations

from fastapi import FastAPI

from files_service.files.router import router
from saaskit.settings import Settings, get_settings
from saaskit.storage import build_storage
from saaskit.web.app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        settings,
        service="files",
        title="Files service",
        description="Streaming uploads (size and type checked while the bytes arrive), "
        "downloads, to a local directory or S3-compatible storage.",
        routers=[router],
        storage=build_storage(settings),
        upload_paths=("/files",),  # POST /files streams, under max_upload_bytes
    )
