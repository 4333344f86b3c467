"""Request bodies of the comments API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from saaskit.content.limits import COMMENT_BODY_MAX


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=COMMENT_BODY_MAX, examples=["Nice post"])
