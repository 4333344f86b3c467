"""The response models of the idiomatic FastAPI variant (pydantic v2).

Invariant: each model reads an ORM object by attribute (``from_attributes=True``) and
serialises to exactly the contract's shape, field for field, in the shipped service's
order; timestamps go through the kit's ``Timestamp`` (RFC 3339, UTC, microseconds, a
trailing ``Z``), the one format both shipped stacks answer with. Fields that must not
leave the service (email, password hash) are simply not declared, so FastAPI's
response-model filtering drops them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from saaskit.web.types import Timestamp


class ORMModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class UserOut(ORMModel):
    id: int
    username: str
    full_name: str | None
    created_at: Timestamp


class CommentOut(ORMModel):
    id: int
    post_id: int
    author_id: int
    body: str
    created_at: Timestamp


class PostOut(ORMModel):
    id: int
    author_id: int
    title: str
    body: str
    comment_count: int
    created_at: Timestamp
    updated_at: Timestamp


class PostWithComments(PostOut):
    comments: list[CommentOut]


class OverviewOut(ORMModel):
    user: UserOut
    posts: list[PostWithComments]
