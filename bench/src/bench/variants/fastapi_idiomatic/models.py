"""The ORM models of the idiomatic FastAPI variant: SQLAlchemy 2 declarative classes
(``Mapped[...]``) for ``users``, ``posts`` and ``comments``, with the relationships
between them.

Invariant: these classes map the tables ``saaskit.db.schema`` defines and Alembic
creates; they never create or alter a table (no ``metadata.create_all``), so the columns
and types here must stay those of the schema. Every column is mapped, as a developer
writing models for these tables would, so ``session.get(User, id)`` loads the whole row.
Collections are ordered as the contract lists them (newest first, ties broken by id),
so an eagerly loaded ``Post.comments`` is already in the answer's order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {int: BigInteger, datetime: DateTime(timezone=True)}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    username: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(Text)
    full_name: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool]
    email_verified: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    posts: Mapped[list[Post]] = relationship(
        back_populates="author", order_by="(Post.created_at.desc(), Post.id.desc())"
    )


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    comment_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    author: Mapped[User] = relationship(back_populates="posts")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="post", order_by="(Comment.created_at.desc(), Comment.id.desc())"
    )


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    post: Mapped[Post] = relationship(back_populates="comments")
