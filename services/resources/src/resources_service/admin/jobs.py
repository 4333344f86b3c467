"""Jobs and the email outbox (the Django admin's ``jobs/admin.py``)."""

from __future__ import annotations

from sqladmin.filters import StaticValuesFilter
from starlette.requests import Request

from resources_service.admin import services
from resources_service.admin.base import TableView, staff_action
from resources_service.admin.models import EmailOutbox, Job
from saaskit.db.schema import JOB_STATUSES, JOB_TYPES


class JobAdmin(TableView, model=Job):
    name, name_plural, icon = "Job", "Jobs", "fa-solid fa-gears"
    column_list = ["id", "type", "status", "owner", "attempts", "created_at", "finished_at", "error"]
    column_searchable_list = ["owner.username", "error"]
    column_filters = [
        StaticValuesFilter("status", [(s, s) for s in JOB_STATUSES], title="Status"),
        StaticValuesFilter("type", [(t, t) for t in JOB_TYPES], title="Type"),
    ]
    column_default_sort = [("id", True)]
    can_edit = False

    @staff_action("retry", "Retry")
    async def retry(self, request: Request, pks: list[str]) -> str:
        count = await services.retry(self.site.admin_engine, self.site.queue, [int(pk) for pk in pks if pk.isdigit()])
        return f"{count} job(s) queued again."


class EmailOutboxAdmin(TableView, model=EmailOutbox):
    name, name_plural, icon = "Email", "Email outbox", "fa-solid fa-envelope"
    column_list = ["id", "to_address", "subject", "created_at", "sent_at"]
    column_searchable_list = ["to_address", "subject"]
    column_default_sort = [("id", True)]
    can_edit = False
