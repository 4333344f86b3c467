"""Email verification, password reset and password change (contract: "Account
lifecycle"), on Django's ORM: the FastAPI auth service's ``auth/lifecycle.py``, step for
step, with the same tokens (``saaskit.security.account_tokens``), jobs and answers.

Confirming a verification locks the user row (``select_for_update``) while it checks
the token against the row and changes it: of two concurrent confirmations of one token,
the second finds the state the token was bound to gone. A reset confirmation and a
password change hash between their check and their write, holding no connection
(``accounts.hashing``), so instead of a lock their update applies only while the row
still holds the password they checked. A reset request does the same work whatever
the address (one ``INSERT ... SELECT``, one commit, one Redis round trip), so neither
its answer nor its timing tells whether the address is registered.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models.functions import Now
from redis.exceptions import RedisError

from admin_service import runtime
from admin_service.accounts import hashing
from admin_service.accounts.models import RefreshToken, User
from admin_service.jobs import services as jobs
from admin_service.jobs.models import Job
from saaskit import queue
from saaskit.accounts.problems import invalid_account_token, wrong_current_password
from saaskit.logging import get_logger
from saaskit.problems import unauthorized
from saaskit.ratelimit import login_key
from saaskit.security.account_tokens import (
    RESET,
    VERIFICATION,
    AccountTokens,
    reset_state,
    verification_state,
)

log = get_logger(__name__)

# One statement for a known and an unknown address alike (the ORM has no INSERT ... SELECT).
_RESET_JOB_SQL = (
    "INSERT INTO jobs (owner_id, type, payload) "
    "SELECT id, %s, jsonb_build_object('user_id', id) FROM users "
    "WHERE lower(email) = %s AND is_active RETURNING id"
)


def _tokens() -> AccountTokens:
    return AccountTokens.from_settings(runtime.app_settings())


def _probe_after_commit() -> None:
    def probe() -> None:
        try:
            queue.probe_sync(runtime.redis_client())
        except RedisError as exc:
            log.warning("queue probe failed", error=str(exc))

    transaction.on_commit(probe)


def revoke_all(user_id: int) -> None:
    RefreshToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=Now())


def request_verification(user_id: int) -> None:
    with transaction.atomic():
        user = User.objects.filter(pk=user_id).only("is_active", "email_verified").first()
        if user is None or not user.is_active:
            raise unauthorized()
        if not user.email_verified:
            jobs.enqueue_after_commit(
                jobs.create_job(user_id, queue.VERIFICATION_EMAIL, {"user_id": user_id})
            )


def _locked_user(user_id: int | None, *fields: str) -> User | None:
    if user_id is None:
        return None
    return User.objects.select_for_update().filter(pk=user_id).only("is_active", *fields).first()


def confirm_verification(token: str) -> None:
    tokens = _tokens()
    with transaction.atomic():
        user = _locked_user(tokens.user_id(token), "email", "email_verified")
        if user is None or not user.is_active or not tokens.check(
            VERIFICATION, token, verification_state(user.email, user.email_verified)
        ):
            raise invalid_account_token()
        User.objects.filter(pk=user.pk).update(email_verified=True, updated_at=Now())


def request_reset(email: str) -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_RESET_JOB_SQL, [queue.PASSWORD_RESET_EMAIL, email])
            row = cursor.fetchone()
        if row is None:
            _probe_after_commit()
        else:
            jobs.enqueue_after_commit(Job(id=row[0], type=queue.PASSWORD_RESET_EMAIL))


def _set_password(user_id: int, seen_hash: str, new_password: str) -> bool:
    """The new hash and every refresh-token family revoked, together, if the stored hash
    is still ``seen_hash`` (the one the caller's check was made against); False if it
    changed meanwhile (a concurrent reset or change won). The hash is made first,
    holding no connection (``hashing.off_request``)."""
    password_hash = hashing.off_request(runtime.passwords().hash, new_password)
    with transaction.atomic():
        changed = User.objects.filter(pk=user_id, password_hash=seen_hash, is_active=True).update(
            password_hash=password_hash, updated_at=Now()
        )
        if changed:
            revoke_all(user_id)
    return bool(changed)


def confirm_reset(token: str, new_password: str) -> None:
    """The token is checked against the row as read; the update then applies only if the
    row's password is still the one the token is bound to, so of two concurrent
    confirmations of one token one succeeds and the other is refused."""
    tokens = _tokens()
    user_id = tokens.user_id(token)
    user = None if user_id is None else (
        User.objects.filter(pk=user_id).only("is_active", "email", "password_hash").first()
    )
    if user is None or not user.is_active or not tokens.check(
        RESET, token, reset_state(user.password_hash, user.email)
    ):
        raise invalid_account_token()
    if not _set_password(user.pk, user.password_hash, new_password):
        raise invalid_account_token()


def change_password(user_id: int, current: str, new_password: str) -> None:
    """Throttled as a login (a wrong current password is a guess at the same password):
    the account's failure budget (``login_key``) is checked first and spent on a miss."""
    user = User.objects.filter(pk=user_id).only("is_active", "password_hash").first()
    if user is None or not user.is_active:
        raise unauthorized()
    limiter, key = runtime.login_limiter(), login_key("api", user_id, "")
    limiter.check_account(key)
    if not hashing.off_request(runtime.passwords().verify, user.password_hash, current):
        limiter.account_failed(key)
        raise wrong_current_password()
    if not _set_password(user_id, user.password_hash, new_password):
        raise wrong_current_password()  # changed meanwhile: what was typed is not current now


def resend_verification(user_ids) -> int:
    """The admin's action: a verification email to each selected active, unverified user."""
    with transaction.atomic():
        ids = list(
            User.objects.filter(pk__in=user_ids, is_active=True, email_verified=False)
            .values_list("id", flat=True)
        )
        for user_id in ids:
            jobs.enqueue_after_commit(
                jobs.create_job(user_id, queue.VERIFICATION_EMAIL, {"user_id": user_id})
            )
    return len(ids)
