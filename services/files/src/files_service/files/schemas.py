"""Response bodies of the files API."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel

from saaskit.web.types import Timestamp


class File(BaseModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    sha256: str | None
    status: Literal["pending", "ready", "rejected"]
    created_at: Timestamp


class FilePage(BaseModel):
    items: list[File]
    next_cursor: str | None
