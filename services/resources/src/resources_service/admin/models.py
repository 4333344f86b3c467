"""ORM classes over the kit's Core tables (``saaskit.db.schema``), for SQLAdmin, which
lists and edits mapped classes. Each class maps the existing ``Table`` (``__table__``):
Alembic owns the schema; nothing here declares a column. The relationships are what
the lists show (a post's author, a job's owner) and what search joins through."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from saaskit.db import schema


class Base(DeclarativeBase):
    metadata = schema.metadata


class User(Base):
    __table__ = schema.users
    id: Mapped[int]
    username: Mapped[str]

    def __str__(self) -> str:
        return f"{self.username} (#{self.id})"


class RefreshToken(Base):
    __table__ = schema.refresh_tokens
    user = relationship(User, lazy="raise")


class Post(Base):
    __table__ = schema.posts
    id: Mapped[int]
    title: Mapped[str]
    author = relationship(User, lazy="raise")
    # Shown on a post's page (SQLAdmin has no inlines: a read-only list of links).
    comments = relationship("Comment", lazy="raise", viewonly=True, order_by="Comment.id.desc()")

    def __str__(self) -> str:
        return f"{self.title} (#{self.id})"


class Comment(Base):
    __table__ = schema.comments
    id: Mapped[int]

    def __str__(self) -> str:
        return f"comment #{self.id}"

    post = relationship(Post, lazy="raise")
    author = relationship(User, lazy="raise")


class File(Base):
    __table__ = schema.files
    owner = relationship(User, lazy="raise")


class Job(Base):
    __table__ = schema.jobs
    id: Mapped[int]
    type: Mapped[str]
    owner = relationship(User, lazy="raise")

    def __str__(self) -> str:
        return f"{self.type} #{self.id}"


class EmailOutbox(Base):
    __table__ = schema.email_outbox
    job = relationship(Job, lazy="raise")


class StaffAccount(Base):
    __table__ = schema.staff_accounts
