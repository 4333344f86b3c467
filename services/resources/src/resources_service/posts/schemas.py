"""Request bodies of the posts API. Unknown fields are refused (no mass assignment)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from saaskit.content.limits import POST_BODY_MAX, TITLE_MAX
from saaskit.preview import MAX_URL_LENGTH


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


class PreviewIn(BaseModel):
    """The page to preview. Its scheme, host and address are checked by the kit
    (``saaskit.preview.parse_url``, the same words on both stacks)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=MAX_URL_LENGTH, examples=["https://example.com/"],
                     description="http or https, at most 2048 characters")
