"""The admin, mounted on the resources service at ``/sqladmin`` (the contract's
``/admin/`` is the Django admin's; nothing of the API lives under this prefix).

It is a Starlette sub-application with middleware of its own, so the public routes run
none of it: CSRF (asgi-csrf: a signed double-submit cookie, checked on every POST and
DELETE, the login included) and the signed session cookie (Starlette's, through
SQLAdmin's authentication backend). It reads and writes through an engine of its own
with a small pool (``POOL_SIZE``): an admin page never waits for, nor takes, a
connection of the API's pool. Static files are SQLAdmin's own, served from the package:
no CDN.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from arq.connections import ArqRedis
from asgi_csrf import asgi_csrf
from fastapi import FastAPI
from sqladmin import Admin
from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.middleware import Middleware

from resources_service.admin.accounts import RefreshTokenAdmin, UserAdmin
from resources_service.admin.content import CommentAdmin, PostAdmin
from resources_service.admin.files import FileAdmin
from resources_service.admin.jobs import EmailOutboxAdmin, JobAdmin
from resources_service.admin.staff import BASE_URL, StaffAuth
from saaskit.db.engine import create_engine
from saaskit.settings import Settings
from saaskit.web.state import app_state

POOL_SIZE = 2
TEMPLATES = Path(__file__).resolve().parent / "templates"
# Inline, so the browser does not ask the service for /favicon.ico on every page (a 404).
FAVICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E"
    "%3Crect width='32' height='32' rx='6' fill='%23009485'/%3E"
    "%3Cpath d='M9 24 16 7l7 17h-4l-1.4-3.6h-3.2L13 24zm5.6-7h2.8L16 13.3z' fill='%23fff'/%3E%3C/svg%3E"
)
VIEWS = (UserAdmin, RefreshTokenAdmin, PostAdmin, CommentAdmin, FileAdmin, JobAdmin, EmailOutboxAdmin)


class AdminSite(Admin):
    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.admin_engine = create_engine(settings, pool_size=POOL_SIZE)
        self.staff_auth = StaffAuth(self, settings)
        csrf = Middleware(
            asgi_csrf,  # type: ignore[arg-type] - a function that wraps an ASGI app, as a class would
            signing_secret=settings.secret_key.get_secret_value(),
            signing_namespace="sqladmin-csrf",
            always_protect={f"{BASE_URL}/login"},  # no session yet, and still checked
            cookie_path=BASE_URL,
            cookie_secure=settings.secure_proxy_ssl_header,
        )
        super().__init__(
            app,
            session_maker=async_sessionmaker(self.admin_engine, expire_on_commit=False),
            base_url=BASE_URL,
            title="SaaS admin (SQLAdmin)",
            favicon_url=FAVICON,
            templates_dir=str(TEMPLATES),
            middlewares=[csrf],
            authentication_backend=self.staff_auth,
        )
        for view in VIEWS:
            self.add_view(view)
        self._add_action_posts()

    def _add_action_posts(self) -> None:
        """Each ``staff_action`` answers its confirming POST on its own path too
        (SQLAdmin routes actions for GET only)."""
        for view in self.views:
            for _name, method in inspect.getmembers(view, predicate=inspect.ismethod):
                marks = vars(method.__func__)  # what sqladmin.action and staff_action set
                if marks.get("_post_too"):
                    self.admin.add_route(
                        f"/{view.identity}/action/{marks['_slug']}", method, methods=["POST"],
                        include_in_schema=False,
                    )

    @property
    def queue(self) -> ArqRedis:
        """The service's arq pool: the admin queues exactly as the API does."""
        return app_state(self.app).queue

    async def close(self) -> None:
        self.staff_auth.hashing.shutdown()
        await self.staff_auth.limiter.aclose()
        await self.admin_engine.dispose()


def mount_admin(app: FastAPI, settings: Settings) -> AdminSite:
    site = AdminSite(app, settings)
    app.state.admin = site
    return site


async def close_admin(app: FastAPI) -> None:
    await app.state.admin.close()
