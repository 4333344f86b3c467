"""Staff login: accounts of their own (``staff_accounts``), a signed session cookie, and
the API's login throttle.

Staff are not API users: an API account cannot log in here and a staff account has no
API token. (The Django admin's staff are Django's ``auth_user`` rows, made with
``createsuperuser``; these are made with ``python -m resources_service.admin.staff``.)
The password is argon2id (``saaskit.security.passwords``), checked off the event loop.

The throttle is the kit's limiter (``saaskit.ratelimit``) with the Django admin's keys:
every login POST spends the client address's budget, shared with the API's logins and
the Django admin's; a failed one spends the account's, in a realm of its own
(``sqladmin``), so failures here cannot lock an API user or a Django staff name out.
Over either budget: 429, the login page saying when to come back, and the API's
``Retry-After`` / ``RateLimit*`` headers.

The session (Starlette's, signed with ``APP_SECRET_KEY``) holds the staff id only, and
each request checks that the account still exists and is active: deactivating a staff
account ends its sessions at their next request.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
from typing import TYPE_CHECKING

from anyio import to_thread
from sqladmin.authentication import AuthenticationBackend
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response

from saaskit.db.engine import create_engine
from saaskit.db.schema import staff_accounts
from saaskit.problems import ProblemError
from saaskit.ratelimit import AsyncLoginLimiter, account_key
from saaskit.security.hashing import HashingPool
from saaskit.security.passwords import PasswordService
from saaskit.settings import Settings, get_settings

if TYPE_CHECKING:
    from resources_service.admin.site import AdminSite

BASE_URL = "/sqladmin"
REALM = "sqladmin"
SESSION_KEY = "staff_id"


class StaffAuth(AuthenticationBackend):
    def __init__(self, site: AdminSite, settings: Settings) -> None:
        super().__init__(
            secret_key=settings.secret_key.get_secret_value(),
            session_cookie="sqladmin_session",
            path=BASE_URL,
            same_site="lax",
            https_only=settings.secure_proxy_ssl_header,
            max_age=12 * 3600,
        )
        self.site = site
        self.passwords = PasswordService.from_settings(settings)
        # The auth service's bound on argon2 (saaskit.security.hashing): a burst of staff
        # logins queues for the CPUs, then is refused, instead of hashing all at once.
        self.hashing = HashingPool.from_settings(settings)
        self.limiter = AsyncLoginLimiter.from_settings(settings)

    def _address(self, request: Request) -> str:
        """The auth service's: the socket's, or the forwarded one from a proxy uvicorn
        was told to trust (``FORWARDED_ALLOW_IPS``)."""
        return request.client.host if request.client else "unknown"

    async def login(self, request: Request) -> Response | bool:
        form = await request.form()
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        key = account_key(REALM, username)
        try:
            await self.limiter.spend_address(self._address(request))
            await self.limiter.check_account(key)
        except ProblemError as err:
            retry = err.headers["Retry-After"]
            return await self._refused(request, err, f"Too many login attempts. Try again in {retry} seconds.")
        try:
            staff_id = await self._check(username, password)
        except ProblemError as err:  # the hashing pool's queue is full: 503
            return await self._refused(request, err, "Too many logins at once. Try again shortly.")
        if staff_id is None:
            await self.limiter.account_failed(key)
            return False
        request.session.clear()
        request.session[SESSION_KEY] = staff_id
        return True

    async def _refused(self, request: Request, err: ProblemError, message: str) -> Response:
        """The login page again, with the refusal's status and headers (``Retry-After``)."""
        response = await self.site.templates.TemplateResponse(
            request, "sqladmin/login.html", {"error": message}, status_code=err.status,
        )
        response.headers.update(err.headers)
        return response

    async def _check(self, username: str, password: str) -> int | None:
        async with self.site.admin_engine.connect() as conn:
            row = (await conn.execute(
                select(staff_accounts.c.id, staff_accounts.c.password_hash, staff_accounts.c.is_active)
                .where(func.lower(staff_accounts.c.username) == username.strip().lower())
            )).first()
        ok = await self.hashing.run(self.passwords.verify_or_dummy, row.password_hash if row else None, password)
        if not ok or row is None or not row.is_active:
            return None
        async with self.site.admin_engine.begin() as conn:
            await conn.execute(
                update(staff_accounts).where(staff_accounts.c.id == row.id).values(last_login_at=func.now())
            )
        return row.id

    async def logout(self, request: Request) -> Response | bool:
        request.session.clear()
        return True

    async def authenticate(self, request: Request) -> Response | bool:
        staff_id = request.session.get(SESSION_KEY)
        if not isinstance(staff_id, int):
            return False
        async with self.site.admin_engine.connect() as conn:
            active = (await conn.execute(
                select(staff_accounts.c.is_active).where(staff_accounts.c.id == staff_id)
            )).scalar()
        if not active:
            request.session.clear()
            return False
        return True

    async def get_user_id(self, request: Request) -> int | None:
        return request.session.get(SESSION_KEY)


async def create_staff(engine: AsyncEngine, passwords: PasswordService, username: str, password: str) -> int:
    password_hash = await to_thread.run_sync(passwords.hash, password)
    async with engine.begin() as conn:
        return (await conn.execute(
            insert(staff_accounts).values(username=username.strip(), password_hash=password_hash)
            .returning(staff_accounts.c.id)
        )).scalar_one()


def main(argv: list[str] | None = None) -> None:
    """``python -m resources_service.admin.staff USERNAME``: a staff account for
    /sqladmin/. The password is read from ``STAFF_PASSWORD`` or asked for."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("username")
    args = parser.parse_args(argv)
    password = os.environ.get("STAFF_PASSWORD") or getpass.getpass("Password: ")
    if len(password) < 10:
        parser.error("the password must have at least 10 characters")
    settings = get_settings()

    async def run() -> int:
        engine = create_engine(settings, pool_size=1)
        try:
            return await create_staff(engine, PasswordService.from_settings(settings), args.username, password)
        finally:
            await engine.dispose()

    print(f"staff account {args.username} created (id {asyncio.run(run())})")


if __name__ == "__main__":
    main()
