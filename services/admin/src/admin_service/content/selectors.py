"""Reads of posts, comments and the user overview."""

from __future__ import annotations

from django.db.models import Prefetch

from admin_service.accounts.models import User
from admin_service.api.lookups import contains_pattern
from admin_service.api.pagination import keyset_page
from admin_service.content.models import Comment, Post
from saaskit.pagination import Cursor
from saaskit.problems import not_found

NEWEST_FIRST = ("-created_at", "-id")


def list_posts(
    *, limit: int, cursor: Cursor | None, author_id: int | None = None, q: str | None = None
):
    posts = Post.objects.all()
    if author_id is not None:
        posts = posts.filter(author_id=author_id)
    if q:
        posts = posts.filter(title__ilike=contains_pattern(q))
    return keyset_page(posts, limit, cursor)


def get_post(post_id: int) -> Post:
    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        raise not_found("post")
    return post


def list_comments(post_id: int, *, limit: int, cursor: Cursor | None):
    if not Post.objects.filter(pk=post_id).exists():
        raise not_found("post")
    return keyset_page(Comment.objects.filter(post_id=post_id), limit, cursor)


def overview(user_id: int, *, posts_limit: int, comments_limit: int) -> User:
    """The user, their newest posts, and each post's newest comments, in three statements
    whatever the limits: sliced ``Prefetch`` querysets become one window-function query
    per level (``ROW_NUMBER() OVER (PARTITION BY author_id / post_id ...)``), never N+1."""
    user = (
        User.objects.filter(pk=user_id)
        .prefetch_related(
            Prefetch(
                "posts",
                queryset=Post.objects.order_by(*NEWEST_FIRST)[:posts_limit],
                to_attr="newest_posts",
            ),
            Prefetch(
                "newest_posts__comments",
                queryset=Comment.objects.order_by(*NEWEST_FIRST)[:comments_limit],
                to_attr="newest_comments",
            ),
        )
        .first()
    )
    if user is None:
        raise not_found("user")
    return user
