"""The API's users and refresh tokens: Alembic-owned tables (``saaskit.db.schema``)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from saaskit.accounts import limits as account_limits


class User(models.Model):
    id = models.BigAutoField(primary_key=True)
    email = models.CharField(max_length=account_limits.EMAIL_MAX)
    username = models.CharField(max_length=account_limits.USERNAME_MAX)
    password_hash = models.TextField()
    full_name = models.CharField(max_length=account_limits.FULL_NAME_MAX, null=True, blank=True)
    is_active = models.BooleanField(db_default=True)
    email_verified = models.BooleanField(db_default=False)
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        managed = False
        db_table = "users"
        verbose_name = "API user"

    def __str__(self) -> str:
        return self.username


class RefreshToken(models.Model):
    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(User, models.DO_NOTHING, related_name="refresh_tokens")
    user_id: int  # the foreign key's column, which Django adds; declared for type checkers
    family_id = models.UUIDField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(db_default=Now())
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = "refresh_tokens"
