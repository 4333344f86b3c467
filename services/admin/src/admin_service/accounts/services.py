"""Registration, login and the refresh-token lifecycle, on Django's ORM.

Refresh tokens rotate: each use marks the presented token used and issues a new one in
the same family. Presenting a used (or revoked) token again is reuse, the sign of a
stolen token: the whole family is revoked. ``select_for_update`` makes two concurrent
refreshes with one token resolve as one rotation and one reuse.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models.functions import Now

from admin_service import runtime
from admin_service.accounts import selectors
from admin_service.accounts.models import RefreshToken, User
from admin_service.jobs import services as jobs
from saaskit import queue
from saaskit.auth_problems import already_taken, invalid_credentials, invalid_refresh_token
from saaskit.logging import get_logger
from saaskit.security.tokens import hash_refresh_token, new_refresh_token
from saaskit.timeutil import utcnow

log = get_logger(__name__)


def register(*, email: str, username: str, password: str, full_name: str | None) -> User:
    taken = selectors.taken_fields(email, username)
    for field in ("email", "username"):
        if field in taken:
            raise already_taken(field)
    password_hash = runtime.passwords().hash(password)
    try:
        with transaction.atomic():
            user = User.objects.create(
                email=email, username=username, full_name=full_name, password_hash=password_hash
            )
            job = jobs.create_job(user.id, queue.WELCOME_EMAIL, {"user_id": user.id})
            jobs.enqueue_after_commit(job)
    except IntegrityError as exc:
        # Lost a race with a concurrent registration of the same name.
        raise already_taken("email" if "email" in str(exc) else "username") from None
    return user


def authenticate(login: str, password: str) -> int:
    user = selectors.user_by_login(login)
    hasher = runtime.passwords()
    ok = hasher.verify_or_dummy(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        raise invalid_credentials()
    if hasher.needs_rehash(user.password_hash):
        User.objects.filter(pk=user.pk).update(password_hash=hasher.hash(password))
    return user.id


def _new_refresh(user_id: int, family: uuid.UUID) -> str:
    token = new_refresh_token()
    RefreshToken.objects.create(
        user_id=user_id,
        family_id=family,
        token_hash=hash_refresh_token(token),
        expires_at=utcnow() + timedelta(seconds=runtime.app_settings().refresh_token_ttl_seconds),
    )
    return token


def _pair(user_id: int, refresh_token: str) -> dict:
    issuer = runtime.token_issuer()
    return {
        "access_token": issuer.issue(user_id),
        "refresh_token": refresh_token,
        "token_type": "bearer",
        "expires_in": issuer.ttl_seconds,
    }


def start_family(user_id: int) -> dict:
    return _pair(user_id, _new_refresh(user_id, uuid.uuid4()))


def revoke_family(family_id: uuid.UUID) -> None:
    RefreshToken.objects.filter(family_id=family_id, revoked_at__isnull=True).update(
        revoked_at=Now()
    )


def rotate(presented: str) -> dict:
    with transaction.atomic():
        row = (
            RefreshToken.objects.select_for_update(of=("self",))
            .select_related("user")
            .only(
                "id",
                "user_id",
                "family_id",
                "expires_at",
                "used_at",
                "revoked_at",
                "user__is_active",
            )
            .filter(token_hash=hash_refresh_token(presented))
            .first()
        )
        refresh = _rotate_locked(row) if row is not None else None
    if refresh is None:
        raise invalid_refresh_token()
    return _pair(row.user_id, refresh)


def _rotate_locked(row: RefreshToken) -> str | None:
    """The new refresh token, or None (committing any revocation) when refused."""
    if row.used_at is not None or row.revoked_at is not None:
        if row.revoked_at is None:
            log.warning("refresh token reuse; revoking family", family=str(row.family_id))
        revoke_family(row.family_id)
        return None
    if row.expires_at <= utcnow() or not row.user.is_active:
        return None
    RefreshToken.objects.filter(pk=row.pk).update(used_at=Now())
    return _new_refresh(row.user_id, row.family_id)


def logout(user_id: int, presented: str) -> None:
    """Revoke the family of a refresh token of the caller's; anything else is a no-op,
    so the answer says nothing about other people's tokens."""
    family = (
        RefreshToken.objects.filter(token_hash=hash_refresh_token(presented), user_id=user_id)
        .values_list("family_id", flat=True)
        .first()
    )
    if family is not None:
        revoke_family(family)


def deactivate(user_ids) -> int:
    return User.objects.filter(pk__in=user_ids).update(is_active=False, updated_at=Now())


def force_logout(user_ids) -> int:
    """Revoke every refresh token of these users (access tokens expire on their own)."""
    return RefreshToken.objects.filter(user_id__in=user_ids, revoked_at__isnull=True).update(
        revoked_at=Now()
    )
