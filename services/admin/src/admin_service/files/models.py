"""Uploaded files: an Alembic-owned table (``saaskit.db.schema``)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from admin_service.accounts.models import User
from saaskit.db import schema
from saaskit.files import limits as file_limits


class File(models.Model):
    id = models.UUIDField(primary_key=True)
    owner = models.ForeignKey(User, models.DO_NOTHING, related_name="files")
    owner_id: int  # the column behind ``owner``, for the type checker
    filename = models.CharField(max_length=file_limits.FILENAME_MAX)
    content_type = models.CharField(max_length=127)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, null=True, blank=True)
    status = models.CharField(
        max_length=16, db_default="pending", choices=[(s, s) for s in schema.FILE_STATUSES]
    )
    storage_key = models.CharField(max_length=255, unique=True)
    thumbnail_key = models.CharField(max_length=255, null=True, blank=True)
    upload_sha256 = models.CharField(max_length=64, null=True, blank=True)
    rejection_reason = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        managed = False
        db_table = "files"

    def __str__(self) -> str:
        return self.filename
