"""Registration, login and the refresh-token lifecycle, on Django's ORM.

Refresh tokens rotate; what presenting one does (rotate, or refuse and perhaps revoke
its family as reuse) is ``saaskit.security.refresh.decide_refresh``'s decision, the
FastAPI twin's too. This module only reads the row under a lock (``select_for_update``:
two concurrent refreshes with one token resolve as one rotation and one reuse) and
applies the decision. The token pair, the 409's wording and which unique index a lost
registration race hit are the kit's as well. Password hashes run in the kit's bounded
pool holding no database connection (``accounts.hashing``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models.functions import Now

from admin_service import runtime
from admin_service.accounts import hashing, selectors
from admin_service.accounts.models import RefreshToken, User
from admin_service.jobs import services as jobs
from saaskit import queue
from saaskit.accounts.problems import already_taken, already_taken_by, invalid_credentials, refresh_refused
from saaskit.db.constraints import violated_constraint
from saaskit.ratelimit import login_key
from saaskit.security.refresh import RefreshDecision, StoredRefreshToken, decide_refresh, new_refresh
from saaskit.security.tokens import TokenPairBody, hash_refresh_token, token_pair
from saaskit.timeutil import utcnow


def register(*, email: str, username: str, password: str, full_name: str | None) -> User:
    taken = selectors.taken_fields(email, username)
    for field in ("email", "username"):
        if field in taken:
            raise already_taken(field)
    password_hash = hashing.off_request(runtime.passwords().hash, password)
    try:
        with transaction.atomic():
            user = User.objects.create(
                email=email, username=username, full_name=full_name, password_hash=password_hash
            )
            job = jobs.create_job(user.id, queue.WELCOME_EMAIL, {"user_id": user.id})
            jobs.enqueue_after_commit(job)
    except IntegrityError as exc:
        # Lost a race with a concurrent registration of the same name: the index says which.
        if (problem := already_taken_by(violated_constraint(exc))) is None:
            raise
        raise problem from None
    return user


def authenticate(login: str, password: str) -> int:
    """The account's id for a right password, else the 401; the 429 once the account's
    failure budget is spent, whichever of its names was typed (``login_key``). The hash
    runs holding no connection and no slot (``hashing.off_request``)."""
    user = selectors.user_by_login(login)
    limiter, key = runtime.login_limiter(), login_key("api", user.id if user else None, login)
    limiter.check_account(key)  # a spent account is refused, right password or not
    hasher = runtime.passwords()
    ok = hashing.off_request(hasher.verify_or_dummy, user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        limiter.account_failed(key)
        raise invalid_credentials()
    if hasher.needs_rehash(user.password_hash):
        new_hash = hashing.off_request(hasher.hash, password)
        User.objects.filter(pk=user.pk).update(password_hash=new_hash)
    return user.id


def _new_refresh(user_id: int, family: uuid.UUID) -> str:
    new = new_refresh(utcnow(), timedelta(seconds=runtime.app_settings().refresh_token_ttl_seconds))
    RefreshToken.objects.create(
        user_id=user_id, family_id=family, token_hash=new.token_hash, expires_at=new.expires_at
    )
    return new.token


def start_family(user_id: int) -> TokenPairBody:
    return token_pair(runtime.token_issuer(), user_id, _new_refresh(user_id, uuid.uuid4()))


def revoke_family(family_id: uuid.UUID) -> None:
    RefreshToken.objects.filter(family_id=family_id, revoked_at__isnull=True).update(
        revoked_at=Now()
    )


def rotate(presented: str) -> TokenPairBody:
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
        stored = None if row is None else StoredRefreshToken(
            expires_at=row.expires_at,
            used_at=row.used_at,
            revoked_at=row.revoked_at,
            user_is_active=row.user.is_active,
        )
        decision = decide_refresh(stored, utcnow())
        refresh = None
        if row is not None and decision is RefreshDecision.ROTATE:
            RefreshToken.objects.filter(pk=row.pk).update(used_at=Now())
            refresh = _new_refresh(row.user_id, row.family_id)
        elif row is not None and decision.revokes_family:
            revoke_family(row.family_id)  # committed: the refusal leaves the block normally
    if row is None or refresh is None:
        raise refresh_refused(decision, row.family_id if row is not None else None)
    return token_pair(runtime.token_issuer(), row.user_id, refresh)


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
