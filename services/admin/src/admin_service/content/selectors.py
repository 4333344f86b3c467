"""Reads of posts, comments and the user overview."""

from __future__ import annotations

from typing import Any

from django.db import connection

from admin_service.api.pagination import keyset_page
from admin_service.content.models import Comment, Post
from saaskit.content.search import contains_pattern
from saaskit.db.overview import PSYCOPG_POSTS, PSYCOPG_USER, body
from saaskit.pagination import Cursor
from saaskit.problems import not_found


def list_posts(
    *, limit: int, cursor: Cursor | None, author_id: int | None = None, q: str | None = None
):
    posts = Post.objects.all()
    if author_id is not None:
        posts = posts.filter(author_id=author_id)
    if q:  # the kit's search term (saaskit.content.search): ILIKE '%term%', as on FastAPI
        posts = posts.filter(title__ilike=contains_pattern(q))
    return keyset_page(posts, limit, cursor)


def get_post(post_id: int) -> Post:
    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        raise not_found("post")
    return post


def authored_post(post_id: int, *, author_id: int) -> None:
    """404 unless ``post_id`` is ``author_id``'s. The connection goes back to the pool
    right after: the preview then waits on the network for up to its timeout, and a
    connection held meanwhile would be one fewer for every other request."""
    mine = Post.objects.filter(pk=post_id, author_id=author_id).exists()
    connection.close()  # with the pool (CONN_MAX_AGE 0): returned to it, not closed
    if not mine:
        raise not_found("post")


def list_comments(post_id: int, *, limit: int, cursor: Cursor | None):
    if not Post.objects.filter(pk=post_id).exists():
        raise not_found("post")
    return keyset_page(Comment.objects.filter(post_id=post_id), limit, cursor)


def overview(user_id: int, *, posts_limit: int, comments_limit: int) -> dict[str, Any]:
    """The user, their newest posts, and each post's newest comments, as the response body,
    in two statements whatever the limits: the same SQL and the same shaping as the FastAPI
    service (``saaskit.db.overview``), run on Django's connection. The ORM's sliced
    ``Prefetch`` took three statements and spent most of the request's CPU building them
    and model instances that were only read back out into the same JSON."""
    params = {"user_id": user_id, "posts_limit": posts_limit, "comments_limit": comments_limit}
    with connection.cursor() as cursor:
        cursor.execute(PSYCOPG_USER.sql, params)
        user = cursor.fetchone()
        if user is None:
            raise not_found("user")
        cursor.execute(PSYCOPG_POSTS.sql, params)
        return body(user, cursor.fetchall())
