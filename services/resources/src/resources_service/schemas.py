"""Response shapes of the resources API, for OpenAPI (see ``responses.py``)."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from saaskit.web.types import OptionalTimestamp, Timestamp

T = TypeVar("T")


class UserPublic(BaseModel):
    id: int
    username: str
    full_name: str | None
    created_at: Timestamp


class Post(BaseModel):
    id: int
    author_id: int
    title: str
    body: str
    comment_count: int
    created_at: Timestamp
    updated_at: Timestamp


class Comment(BaseModel):
    id: int
    post_id: int
    author_id: int
    body: str
    created_at: Timestamp


class PostWithComments(Post):
    comments: list[Comment]


class Overview(BaseModel):
    user: UserPublic
    posts: list[PostWithComments]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class LinkPreview(BaseModel):
    url: str = Field(description="the page read: the URL sent, or the last redirect's target")
    status: int = Field(description="the upstream's HTTP status")
    title: str | None = Field(description="its <title>, whitespace collapsed")
    description: str | None = Field(description="its og:description")
    fetched_ms: int = Field(description="milliseconds the fetch took")


class Job(BaseModel):
    id: int
    type: Literal[
        "export_posts", "welcome_email", "process_file", "verification_email", "password_reset_email"
    ]
    status: Literal["queued", "running", "succeeded", "failed"]
    created_at: Timestamp
    finished_at: OptionalTimestamp
    result: dict[str, Any] | None
    error: str | None
