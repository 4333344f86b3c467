"""The base of every admin over an Alembic-owned table."""

from __future__ import annotations

from django.contrib import admin


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
