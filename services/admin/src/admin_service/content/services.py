"""Writes of posts and comments. ``posts.comment_count`` moves in the same transaction
as the comment insert or delete, with an atomic ``comment_count = comment_count ± 1``."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q

from admin_service.content.models import Comment, Post
from saaskit.problems import not_found
from saaskit.timeutil import utcnow


def create_post(*, author_id: int, title: str, body: str) -> Post:
    return Post.objects.create(author_id=author_id, title=title, body=body)


def update_post(post_id: int, *, author_id: int, changes: dict) -> Post:
    with transaction.atomic():
        post = Post.objects.select_for_update().filter(pk=post_id, author_id=author_id).first()
        if post is None:
            raise not_found("post")
        if changes:
            for name, value in changes.items():
                setattr(post, name, value)
            post.updated_at = utcnow()
            post.save(update_fields=[*changes, "updated_at"])
    return post


def delete_post(post_id: int, *, author_id: int) -> None:
    # The database cascades to the post's comments.
    deleted, _ = Post.objects.filter(pk=post_id, author_id=author_id).delete()
    if not deleted:
        raise not_found("post")


def create_comment(post_id: int, *, author_id: int, body: str) -> Comment:
    with transaction.atomic():
        if not Post.objects.filter(pk=post_id).update(comment_count=F("comment_count") + 1):
            raise not_found("post")
        return Comment.objects.create(post_id=post_id, author_id=author_id, body=body)


def delete_comment(comment_id: int, *, user_id: int) -> None:
    """Allowed to the comment's author and to the post's author; 404 for anyone else."""
    with transaction.atomic():
        comment = (
            Comment.objects.select_for_update(of=("self",))
            .filter(Q(author_id=user_id) | Q(post__author_id=user_id), pk=comment_id)
            .only("id", "post_id")
            .first()
        )
        if comment is None:
            raise not_found("comment")
        Comment.objects.filter(pk=comment.pk).delete()
        Post.objects.filter(pk=comment.post_id).update(comment_count=F("comment_count") - 1)
