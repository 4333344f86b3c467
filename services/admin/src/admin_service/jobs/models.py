"""Background jobs and the email outbox: Alembic-owned tables (``saaskit.db.schema``)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from admin_service.accounts.models import User
from saaskit.accounts import limits as account_limits
from saaskit.db import schema


class Job(models.Model):
    id = models.BigAutoField(primary_key=True)
    owner = models.ForeignKey(User, models.DO_NOTHING, related_name="jobs")
    type = models.CharField(max_length=32, choices=[(t, t) for t in schema.JOB_TYPES])
    status = models.CharField(
        max_length=16, db_default="queued", choices=[(s, s) for s in schema.JOB_STATUSES]
    )
    payload = models.JSONField(db_default={})
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    attempts = models.IntegerField(db_default=0)
    created_at = models.DateTimeField(db_default=Now())
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = "jobs"

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class EmailOutbox(models.Model):
    id = models.BigAutoField(primary_key=True)
    job = models.OneToOneField(Job, models.DO_NOTHING, null=True, blank=True, related_name="email")
    to_address = models.CharField(max_length=account_limits.EMAIL_MAX)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    created_at = models.DateTimeField(db_default=Now())
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = "email_outbox"
        verbose_name_plural = "email outbox"
