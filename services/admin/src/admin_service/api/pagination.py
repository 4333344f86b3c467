"""Keyset pages over a queryset, with the contract's cursor (``saaskit.pagination``):
newest first, ties broken by id; the next page is ``(created_at, id) < cursor``."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from saaskit.pagination import Cursor, next_cursor


def keyset_page(queryset: QuerySet, limit: int, cursor: Cursor | None) -> tuple[list, str | None]:
    if cursor is not None:
        queryset = queryset.filter(
            Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, pk__lt=cursor.id)
        )
    rows = list(queryset.order_by("-created_at", "-pk")[: limit + 1])
    return rows[:limit], next_cursor(rows, limit, lambda r: r.created_at, lambda r: r.pk)


def page_body(items: list[dict[str, Any]], cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": cursor}
