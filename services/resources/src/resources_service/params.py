"""The resources routes' path and query parameters: the kit's (``saaskit.web.params``,
with the bounds of ``saaskit.pagination`` that the Django twin applies too), under the
names the routers and services import."""

from __future__ import annotations

from saaskit.pagination import BIGINT_MAX
from saaskit.web.params import Id, PageParams, Paging

__all__ = ["BIGINT_MAX", "Id", "PageParams", "Paging"]
