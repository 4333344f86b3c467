"""Writes of posts and comments. ``posts.comment_count`` moves in the same transaction
as the comment insert or delete, with an atomic ``comment_count = comment_count ± 1``.

Lock order, the same as the FastAPI writers' (docs/decisions.md): the post row, then its
comments. A post delete takes the post row and the database's cascade then takes the
comments; a comment writer that took its comment first and the post second would
deadlock against it (PostgreSQL aborts one: a 503). Time stamps come from the database's
``now()``, as on FastAPI, so one clock orders every row whichever host wrote it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q

from admin_service.api.clock import TRANSACTION_NOW
from admin_service.api.writers import lock_active_user
from admin_service.content.models import Comment, Post
from saaskit.problems import not_found


def create_post(*, author_id: int, title: str, body: str) -> Post:
    with transaction.atomic():
        lock_active_user(author_id)
        return Post.objects.create(author_id=author_id, title=title, body=body)


def update_post(post_id: int, *, author_id: int, changes: dict) -> Post:
    with transaction.atomic():
        lock_active_user(author_id)
        post = (
            Post.objects.select_for_update()
            .filter(pk=post_id, author_id=author_id)
            .annotate(db_now=TRANSACTION_NOW)
            .first()
        )
        if post is None:
            raise not_found("post")
        if changes:
            for name, value in changes.items():
                setattr(post, name, value)
            # the database's clock, as created_at's; annotate() adds db_now, which the
            # checker cannot see on the model
            post.updated_at = post.db_now  # pyright: ignore[reportAttributeAccessIssue]
            post.save(update_fields=[*changes, "updated_at"])
    return post


def delete_post(post_id: int, *, author_id: int) -> None:
    # The database cascades to the post's comments.
    with transaction.atomic():
        lock_active_user(author_id)
        deleted, _ = Post.objects.filter(pk=post_id, author_id=author_id).delete()
    if not deleted:
        raise not_found("post")


def create_comment(post_id: int, *, author_id: int, body: str) -> Comment:
    with transaction.atomic():
        lock_active_user(author_id)
        if not Post.objects.filter(pk=post_id).update(comment_count=F("comment_count") + 1):
            raise not_found("post")
        return Comment.objects.create(post_id=post_id, author_id=author_id, body=body)


def delete_comment(comment_id: int, *, user_id: int) -> None:
    """Allowed to the comment's author and to the post's author; 404 for anyone else."""
    with transaction.atomic():
        lock_active_user(user_id)
        # The post row first (FOR NO KEY UPDATE, as FastAPI's writers): a post delete
        # takes it before cascading to this comment, so the two queue, never deadlock.
        post_id = (
            Post.objects.select_for_update(no_key=True, of=("self",))
            .filter(Q(comments__author_id=user_id) | Q(author_id=user_id), comments__id=comment_id)
            .values_list("id", flat=True)
            .first()
        )
        if post_id is None:
            raise not_found("comment")
        deleted, _ = Comment.objects.filter(pk=comment_id).delete()
        if deleted != 1:  # deleted meanwhile by someone else: counted there
            raise not_found("comment")
        Post.objects.filter(pk=post_id).update(comment_count=F("comment_count") - 1)
