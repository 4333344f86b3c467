"""Request bodies of the posts API. Unknown fields are refused (no mass assignment)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from saaskit.content.limits import POST_BODY_MAX, TITLE_MAX


class PostIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TITLE_MAX, examples=["Hello"])
    body: str = Field("", max_length=POST_BODY_MAX)


class PostPatch(BaseModel):
    """Any of the fields; an explicit ``null`` is refused (None is only "not sent")."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(None, min_length=1, max_length=TITLE_MAX)  # type: ignore[assignment]
    body: str = Field(None, max_length=POST_BODY_MAX)  # type: ignore[assignment]

    def changes(self) -> dict[str, str]:
        return self.model_dump(include=self.model_fields_set)
