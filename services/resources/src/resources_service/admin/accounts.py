"""Users and refresh tokens (the Django admin's ``accounts/admin.py``)."""

from __future__ import annotations

from sqladmin.filters import BooleanFilter, OperationColumnFilter
from starlette.requests import Request

from resources_service.admin import services
from resources_service.admin.base import TableView, staff_action
from resources_service.admin.models import RefreshToken, User


def _ids(pks: list[str]) -> list[int]:
    return [int(pk) for pk in pks if pk.isdigit()]


class UserAdmin(TableView, model=User):
    name, name_plural, icon = "User", "Users", "fa-solid fa-user"
    column_list = ["id", "username", "email", "full_name", "is_active", "email_verified", "created_at"]
    column_searchable_list = ["username", "email", "full_name"]
    column_filters = [
        BooleanFilter("is_active", title="Active"),
        BooleanFilter("email_verified", title="Email verified"),
        OperationColumnFilter("created_at", title="Created"),
    ]
    column_default_sort = [("created_at", True), ("id", True)]
    column_sortable_list = ["id", "username", "created_at"]
    form_columns = ["email", "username", "full_name", "is_active"]
    column_details_exclude_list = ["password_hash"]

    @staff_action("deactivate", "Deactivate (and log out)")
    async def deactivate(self, request: Request, pks: list[str]) -> str:
        return f"{await services.deactivate(self.site.admin_engine, _ids(pks))} user(s) deactivated."

    @staff_action("force-logout", "Force logout")
    async def force_logout(self, request: Request, pks: list[str]) -> str:
        return f"{await services.force_logout(self.site.admin_engine, _ids(pks))} refresh token(s) revoked."

    @staff_action("resend-verification", "Resend the verification email")
    async def resend_verification(self, request: Request, pks: list[str]) -> str:
        count = await services.resend_verification(self.site.admin_engine, self.site.queue, _ids(pks))
        return f"{count} verification email(s) queued."


class RefreshTokenAdmin(TableView, model=RefreshToken):
    name, name_plural, icon = "Refresh token", "Refresh tokens", "fa-solid fa-key"
    column_list = ["id", "user", "family_id", "created_at", "expires_at", "used_at", "revoked_at"]
    column_searchable_list = ["user.username", "family_id"]
    column_default_sort = [("id", True)]
    column_details_exclude_list = ["token_hash"]
    can_edit = False
