"""Request body of ``POST /jobs``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from saaskit.queue import EXPORT_POSTS


class JobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Only export_posts can be requested; the other job types are started by the system.
    type: Literal["export_posts"]


JOB_FUNCTIONS = {"export_posts": EXPORT_POSTS}
