"""``GET /users/{id}/overview`` for both stacks: its two statements and the body.

- Two statements whatever the limits: the user, then the newest posts each joined
  LATERALly to its newest comments (one row per comment, a post without comments once).
  Both are built here once with SQLAlchemy Core and compiled once per driver (asyncpg's
  ``$n``, psycopg's ``%(name)s``) when the module is imported: building and compiling a
  statement of subqueries on every request cost more CPU than running it.
- One pass over the rows: they arrive ordered by post, then comment, so a post ends where
  the next post's id begins (no lookup per row), and each row is unpacked by position
  once instead of read by key per field.

The FastAPI service runs these on its asyncpg connection, the Django service on its
psycopg cursor; both answer with ``body`` unchanged, so the JSON is the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select

from saaskit.db.schema import comments, posts, users
from saaskit.timeutil import rfc3339

POSTS_LIMIT = (1, 50, 10)  # (minimum, maximum, default)
COMMENTS_LIMIT = (1, 20, 5)


def _user() -> Select[*tuple[Any, ...]]:
    return select(users.c.id, users.c.username, users.c.full_name, users.c.created_at).where(
        users.c.id == bindparam("user_id")
    )


def _posts() -> Select[*tuple[Any, ...]]:
    newest_posts = (
        select(posts.c.id, posts.c.author_id, posts.c.title, posts.c.body,
               posts.c.comment_count, posts.c.created_at, posts.c.updated_at)
        .where(posts.c.author_id == bindparam("user_id"))
        .order_by(posts.c.created_at.desc(), posts.c.id.desc())
        .limit(bindparam("posts_limit"))
        .subquery("p")
    )
    newest_comments = (
        select(comments.c.id, comments.c.author_id, comments.c.body, comments.c.created_at)
        .where(comments.c.post_id == newest_posts.c.id)
        .order_by(comments.c.created_at.desc(), comments.c.id.desc())
        .limit(bindparam("comments_limit"))
        .lateral("c")
    )
    p, c = newest_posts.c, newest_comments.c
    return (
        select(p.id, p.author_id, p.title, p.body, p.comment_count, p.created_at,
               p.updated_at, c.id, c.author_id, c.body, c.created_at)
        .select_from(newest_posts.outerjoin(newest_comments, true()))
        .order_by(p.created_at.desc(), p.id.desc(), c.created_at.desc(), c.id.desc())
    )


@dataclass(frozen=True)
class Query:
    """A statement compiled for one driver, and the order its parameters go in."""

    sql: str
    names: tuple[str, ...]  # positional drivers: the value for $1, $2, ... by name

    def args(self, **values: int) -> tuple[int, ...]:
        return tuple(values[name] for name in self.names)


def _compile(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> Query:
    compiled = statement.compile(dialect=dialect)
    return Query(str(compiled), tuple(compiled.positiontup or ()))


_ASYNCPG = postgresql.asyncpg.dialect(paramstyle="numeric_dollar")
_PSYCOPG = postgresql.psycopg.dialect(paramstyle="pyformat")
ASYNCPG_USER = _compile(_user(), _ASYNCPG)
ASYNCPG_POSTS = _compile(_posts(), _ASYNCPG)
PSYCOPG_USER = _compile(_user(), _PSYCOPG)
PSYCOPG_POSTS = _compile(_posts(), _PSYCOPG)


def body(user: Iterable[Any], rows: Iterable[Iterable[Any]]) -> dict[str, Any]:
    """The response: ``user`` is the first statement's row, ``rows`` the second's."""
    user_id, username, full_name, user_created_at = user
    out: list[dict[str, Any]] = []
    current = None
    post_comments: list[dict[str, Any]] = []
    for (post_id, author_id, title, text, comment_count, created_at, updated_at,
         c_id, c_author_id, c_body, c_created_at) in rows:
        if post_id != current:
            current = post_id
            post_comments = []
            out.append({
                "id": post_id, "author_id": author_id, "title": title, "body": text,
                "comment_count": comment_count, "created_at": rfc3339(created_at),
                "updated_at": rfc3339(updated_at), "comments": post_comments,
            })
        if c_id is not None:
            post_comments.append({
                "id": c_id, "post_id": post_id, "author_id": c_author_id, "body": c_body,
                "created_at": rfc3339(c_created_at),
            })
    return {
        "user": {"id": user_id, "username": username, "full_name": full_name,
                 "created_at": rfc3339(user_created_at)},
        "posts": out,
    }
