"""The resources service: ``uvicorn resources_service.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from resources_service.admin.site import close_admin, mount_admin
from resources_service.comments.router import router as comments_router
from resources_service.jobs.router import router as jobs_router
from resources_service.posts.router import router as posts_router
from resources_service.posts.service import close_preview, open_preview
from resources_service.users.router import router as users_router
from saaskit.settings import Settings, get_settings
from saaskit.web.app import create_service_app


async def _close_all(app: FastAPI) -> None:
    await close_preview(app)
    await close_admin(app)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(
        settings,
        service="resources",
        title="Resources service",
        description="Users, posts, comments, the user overview, and background jobs. "
        "Access tokens are verified locally against the auth service's JWKS.",
        routers=[users_router, posts_router, comments_router, jobs_router],
        on_startup=lambda app: open_preview(app, settings),
        on_shutdown=_close_all,
    )
    # The staff admin (SQLAdmin), a sub-application with middleware of its own.
    mount_admin(app, settings)
    return app
