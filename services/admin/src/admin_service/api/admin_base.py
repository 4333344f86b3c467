"""The base of every admin over an Alembic-owned table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import redis.exceptions
from django.contrib import admin, messages
from django.http import HttpRequest

from saaskit.storage import StorageUnavailable

Row = TypeVar("Row")


class TableAdmin(admin.ModelAdmin):
    # COUNT(*) over millions of rows on every changelist page is slow; skip it.
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:
            # Read-only columns are filled by the database (its DEFAULTs): nothing to show
            # before the row exists.
            return [f for f in fields if f not in self.get_readonly_fields(request, obj)]
        return fields

    def queue_each(self, request: HttpRequest, rows: Iterable[Row], enqueue: Callable[[Row], bool],
                   done: str) -> None:
        """An admin action that queues one job per selected row; ``done`` is formatted
        with the number queued. A down queue or storage is a message, not an error page."""
        try:
            queued = sum(enqueue(row) for row in rows)
        except redis.exceptions.RedisError:
            self.message_user(request, "The queue is unavailable; try again shortly.", messages.ERROR)
            return
        except StorageUnavailable:
            self.message_user(request, "The storage is unavailable; try again shortly.", messages.ERROR)
            return
        self.message_user(request, done.format(queued), messages.SUCCESS)
