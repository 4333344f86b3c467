"""Files (the Django admin's ``files/admin.py``), and their "reprocess" action."""

from __future__ import annotations

import uuid

from sqladmin.filters import StaticValuesFilter
from starlette.requests import Request

from resources_service.admin import services
from resources_service.admin.base import TableView, staff_action
from resources_service.admin.models import File
from saaskit.db.schema import FILE_STATUSES


def _uuids(pks: list[str]) -> list[uuid.UUID]:
    found = []
    for pk in pks:
        try:
            found.append(uuid.UUID(pk))
        except ValueError:
            continue
    return found


class FileAdmin(TableView, model=File):
    name, name_plural, icon = "File", "Files", "fa-solid fa-file"
    column_list = ["id", "filename", "owner", "content_type", "size", "status", "created_at"]
    column_searchable_list = ["filename", "owner.username"]
    column_filters = [StaticValuesFilter("status", [(s, s) for s in FILE_STATUSES], title="Status")]
    column_default_sort = [("created_at", True), ("id", True)]
    can_edit = False

    @staff_action("reprocess", "Reprocess (check again)")
    async def reprocess(self, request: Request, pks: list[str]) -> str:
        count = await services.reprocess(self.site.admin_engine, self.site.queue, _uuids(pks))
        return f"{count} file(s) queued for processing."
