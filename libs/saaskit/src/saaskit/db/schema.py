"""The application schema, as SQLAlchemy Core tables. Alembic owns it (see
``saaskit/migrations``); the Django service maps the same tables with ``managed = False``.

Design notes:
- Every list in the contract is "newest first, ties broken by id" with keyset pagination,
  so each list has a composite index ending in ``(created_at DESC, id DESC)`` behind its
  filter column.
- Emails and usernames are unique case-insensitively (``lower()`` unique indexes); emails
  are stored lower-cased.
- ``posts.comment_count`` is maintained by the writers in the same transaction as the
  comment insert/delete, with an atomic ``UPDATE ... SET comment_count = comment_count ± 1``.
- Column sizes follow the API's bounds (``saaskit.accounts.limits``,
  ``saaskit.content.limits``, ``saaskit.files.limits``), not the reverse: the domain
  states what a user may send, and the table is made to hold it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from saaskit.accounts.limits import EMAIL_MAX, FULL_NAME_MAX, USERNAME_MAX
from saaskit.content.limits import COMMENT_BODY_MAX, POST_BODY_MAX, TITLE_MAX
from saaskit.db.constraints import USERS_EMAIL_UNIQUE, USERS_USERNAME_UNIQUE
from saaskit.files.limits import FILENAME_MAX

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

FILE_STATUSES = ("pending", "ready", "rejected")
JOB_STATUSES = ("queued", "running", "succeeded", "failed")
JOB_TYPES = (
    "export_posts", "welcome_email", "process_file", "verification_email", "password_reset_email",
)


def _created_at() -> Column[datetime]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


users = Table(
    "users",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("email", String(EMAIL_MAX), nullable=False),
    Column("username", String(USERNAME_MAX), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("full_name", String(FULL_NAME_MAX), nullable=True),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    # Set by confirming a verification link (saaskit.security.account_tokens).
    Column("email_verified", Boolean, nullable=False, server_default=text("false")),
    _created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index(USERS_EMAIL_UNIQUE, func.lower(text("email")), unique=True),
    Index(USERS_USERNAME_UNIQUE, func.lower(text("username")), unique=True),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("family_id", Uuid, nullable=False),
    # SHA-256 of the opaque token, hex: the token itself is never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    _created_at(),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index(None, "family_id"),
    Index(None, "user_id"),
    Index(None, "expires_at"),
)

posts = Table(
    "posts",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("author_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(TITLE_MAX), nullable=False),
    Column("body", Text, nullable=False, server_default=""),
    Column("comment_count", Integer, nullable=False, server_default=text("0")),
    _created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("comment_count >= 0", name="comment_count_non_negative"),
    CheckConstraint(f"char_length(body) <= {POST_BODY_MAX}", name="body_length"),
    Index("ix_posts_created_at_id", text("created_at DESC"), text("id DESC")),
    Index("ix_posts_author_id_created_at_id", "author_id", text("created_at DESC"), text("id DESC")),
    # Case-insensitive substring search on title (?q=): trigram GIN index serves ILIKE.
    Index(
        "ix_posts_title_trgm",
        "title",
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    ),
)

comments = Table(
    "comments",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("post_id", BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("body", Text, nullable=False),
    _created_at(),
    CheckConstraint(f"char_length(body) BETWEEN 1 AND {COMMENT_BODY_MAX}", name="body_length"),
    Index("ix_comments_post_id_created_at_id", "post_id", text("created_at DESC"), text("id DESC")),
    Index(None, "author_id"),
)

files = Table(
    "files",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("filename", String(FILENAME_MAX), nullable=False),
    Column("content_type", String(127), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=True),
    Column("status", String(16), nullable=False, server_default="pending"),
    # Generated by the server, never derived from the client's filename.
    Column("storage_key", String(255), nullable=False, unique=True),
    Column("thumbnail_key", String(255), nullable=True),
    # SHA-256 computed while streaming the upload; the worker checks the stored object
    # against it before publishing ``sha256``.
    Column("upload_sha256", String(64), nullable=True),
    Column("rejection_reason", Text, nullable=True),
    _created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(_in("status", FILE_STATUSES), name="status"),
    CheckConstraint("size >= 0", name="size_non_negative"),
    Index("ix_files_owner_id_created_at_id", "owner_id", text("created_at DESC"), text("id DESC")),
    Index("ix_files_status_created_at", "status", "created_at"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("owner_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("status", String(16), nullable=False, server_default="queued"),
    Column("payload", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("result", JSONB, nullable=True),
    Column("error", Text, nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    _created_at(),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    CheckConstraint(_in("status", JOB_STATUSES), name="status"),
    CheckConstraint(_in("type", JOB_TYPES), name="type"),
    Index("ix_jobs_owner_id_created_at_id", "owner_id", text("created_at DESC"), text("id DESC")),
    Index("ix_jobs_status_created_at", "status", "created_at"),
)

# Welcome emails (and any other mail) land here when APP_EMAIL_BACKEND=outbox; with SMTP
# the row is still written, as the record of what was sent. One row per job: re-running
# a job cannot send twice.
email_outbox = Table(
    "email_outbox",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("job_id", BigInteger, ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True, unique=True),
    Column("to_address", String(EMAIL_MAX), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("body", Text, nullable=False),
    _created_at(),
    Column("sent_at", DateTime(timezone=True), nullable=True),
)

# The FastAPI admin's staff (``resources_service.admin``): the people who run the service,
# not its users. A separate table, so an API account can never log in to the admin nor a
# staff account call the API. The Django admin keeps its staff in Django's own
# ``auth_user`` (Django's migrations, not these), so the twin maps no model onto this one.
staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("username", String(USERNAME_MAX), nullable=False),
    # argon2id, as the users' (saaskit.security.passwords).
    Column("password_hash", Text, nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    _created_at(),
    Column("last_login_at", DateTime(timezone=True), nullable=True),
    Index("uq_staff_accounts_username_lower", func.lower(text("username")), unique=True),
)
