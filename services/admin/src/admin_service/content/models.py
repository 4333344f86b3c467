"""Posts and comments: Alembic-owned tables (``saaskit.db.schema``)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from admin_service.accounts.models import User
from saaskit.content import limits as content_limits


class Post(models.Model):
    id = models.BigAutoField(primary_key=True)
    author = models.ForeignKey(User, models.DO_NOTHING, related_name="posts")
    author_id: int  # the foreign key's column, which Django adds (the checker cannot see it)
    title = models.CharField(max_length=content_limits.TITLE_MAX)
    body = models.TextField(db_default="", blank=True)
    comment_count = models.IntegerField(db_default=0)
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        managed = False
        db_table = "posts"

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    id = models.BigAutoField(primary_key=True)
    post = models.ForeignKey(Post, models.DO_NOTHING, related_name="comments")
    author = models.ForeignKey(User, models.DO_NOTHING, related_name="comments")
    post_id: int  # the foreign keys' columns, which Django adds (the checker cannot see them)
    author_id: int
    body = models.TextField()
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        managed = False
        db_table = "comments"

    def __str__(self) -> str:
        return f"comment {self.pk} on post {self.post_id}"
