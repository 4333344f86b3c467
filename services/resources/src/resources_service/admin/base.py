"""The base of every admin view, and actions that ask before they act.

SQLAdmin calls an action with a GET (``.../action/<name>?pks=1,2``). A GET that writes
is open to cross-site request forgery: any page can make a staff browser fetch it. Here
the GET only shows what was selected and a form; the POST of that form, checked by the
admin's CSRF middleware like every other POST, does the work, flashes the outcome and
goes back to the list (Django's actions POST from the changelist, checked the same way).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import redis.exceptions
from sqladmin import ModelView, action
from sqladmin.flash import flash
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

if TYPE_CHECKING:
    from resources_service.admin.site import AdminSite

ActionBody = Callable[[Any, Request, list[str]], Awaitable[str]]
QUEUE_DOWN = (redis.exceptions.RedisError, OSError, TimeoutError)


class TableView(ModelView):
    """A view over one of the kit's tables: a page of 50, no deleting or creating from
    the admin unless a view says so (the API owns those rows' lifecycle)."""

    page_size = 50
    page_size_options = [25, 50, 100]
    can_create = False
    can_delete = False
    can_export = False

    @property
    def site(self) -> AdminSite:
        return cast("AdminSite", self._admin_ref)  # set by Admin.add_view


def _selected(request: Request, form: Any | None) -> list[str]:
    raw = str(form.get("pks", "")) if form is not None else request.query_params.get("pks", "")
    return [pk for pk in raw.split(",") if pk]


def staff_action(name: str, label: str) -> Callable[[ActionBody], Any]:
    """``body(view, request, pks)`` runs on the confirming POST and returns the message
    to flash; a queue that is down is an error message, not an error page."""

    def wrap(body: ActionBody) -> Any:
        @functools.wraps(body)
        async def endpoint(self: TableView, request: Request) -> Response:
            if request.method != "POST":
                pks = _selected(request, None)
                return await self.templates.TemplateResponse(
                    request, "confirm_action.html",
                    {"model_view": self, "label": label, "pks": ",".join(pks), "count": len(pks)},
                )
            pks = _selected(request, await request.form())
            try:
                flash(request, await body(self, request, pks), category="success")
            except QUEUE_DOWN:
                flash(request, "The queue is unavailable; try again shortly.", category="danger")
            return RedirectResponse(request.url_for("admin:list", identity=self.identity), status_code=303)

        endpoint._post_too = True  # type: ignore[attr-defined] - read by site.add_action_posts
        return action(name=name, label=label)(endpoint)

    return wrap
