"""The files service: ``uvicorn files_service.main:create_app --factory``."""

from __future__ import annotations

from anyio import to_thread
from fastapi import FastAPI, Request
from starlette.responses import Response

from files_service.files.router import router
from saaskit.logging import get_logger
from saaskit.problems import unavailable
from saaskit.settings import Settings, get_settings
from saaskit.storage import AsyncStorage, StorageUnavailable, build_storage
from saaskit.web.app import create_service_app
from saaskit.web.errors import problem_response

log = get_logger(__name__)


async def check_storage(request: Request) -> None:
    await request.app.state.storage.check()


async def storage_unavailable(request: Request, exc: StorageUnavailable) -> Response:
    log.warning("storage unavailable", path=request.url.path, error=str(exc))
    err = unavailable("file storage")
    return problem_response(err.body(), err.headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    storage = build_storage(settings)

    async def startup(app: FastAPI) -> None:
        app.state.storage = AsyncStorage(storage)
        if settings.storage_backend == "s3":
            try:
                await to_thread.run_sync(storage.ensure_bucket)
            except StorageUnavailable as exc:  # readiness reports it until S3 is back
                log.warning("bucket not ensured", error=str(exc))

    app = create_service_app(
        settings,
        service="files",
        title="Files service",
        description="Streaming uploads (size and type checked while the bytes arrive), "
        "downloads, to a local directory or S3-compatible storage.",
        routers=[router],
        extra_checks={"storage": check_storage},
        on_startup=startup,
        upload_paths=("/files",),  # POST /files streams, under max_upload_bytes
    )
    app.add_exception_handler(StorageUnavailable, storage_unavailable)
    return app
