"""The account emails: ``welcome_email`` (registration), ``verification_email`` (a new
link on request) and ``password_reset_email``; each job's payload is ``{"user_id"}``.

The links' tokens are made here, when the mail is first written, not by the request
that queued the job: a token then never sits in Redis or in the ``jobs`` row (which its
owner can read over the API), and it is made from the account as it is now
(``saaskit.security.account_tokens`` binds it to the email, the verified flag and the
password hash). The outbox row keeps the text as sent, so a retry mails the same link.

Registration sends one email, the welcome with the verification link in it, rather than
two: the contract asks for both on registration, and two mails at once to a new user
read as spam. An account that is verified (or inactive, for a reset) by the time the
job runs gets no link it could not use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from saaskit.db.schema import users
from saaskit.security.account_tokens import (
    RESET,
    VERIFICATION,
    AccountTokens,
    reset_state,
    verification_state,
)
from saaskit.settings import Settings
from worker.context import WorkerContext
from worker.lifecycle import JobRow, PermanentError
from worker.tasks.mail import deliver

WELCOME_SUBJECT = "Welcome!"
VERIFICATION_SUBJECT = "Confirm your email address"
RESET_SUBJECT = "Reset your password"


def link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.frontend_url.rstrip('/')}/{path}?{urlencode({'token': token})}"


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:g} hour{'' if seconds == 3600 else 's'}"


@dataclass(frozen=True)
class Recipient:
    """The account a mail goes to, as it is when the job runs."""

    id: int
    email: str
    username: str
    password_hash: str
    is_active: bool
    email_verified: bool


async def _user(worker: WorkerContext, job: JobRow) -> Recipient:
    user_id = job.payload.get("user_id")
    if not isinstance(user_id, int):
        raise PermanentError("payload has no user_id")
    async with worker.engine.connect() as conn:
        user = (await conn.execute(
            select(users.c.id, users.c.email, users.c.username, users.c.password_hash,
                   users.c.is_active, users.c.email_verified).where(users.c.id == user_id)
        )).one_or_none()
    if user is None:
        raise PermanentError(f"user {user_id} does not exist")
    return Recipient(**user._mapping)


def _verification_paragraph(settings: Settings, user: Recipient) -> str:
    token = AccountTokens.from_settings(settings).make(
        VERIFICATION, user.id, verification_state(user.email, user.email_verified)
    )
    return (
        f"Please confirm your email address by opening this link:\n\n"
        f"{link(settings, 'verify-email', token)}\n\n"
        f"The link is valid for {_hours(settings.email_verification_ttl_seconds)}.\n"
    )


async def welcome(worker: WorkerContext, job: JobRow) -> dict[str, Any]:
    settings = worker.settings
    user = await _user(worker, job)
    body = f"Hello {user.username},\n\nyour account is ready. Welcome aboard.\n"
    if not user.email_verified:
        body += "\n" + _verification_paragraph(settings, user)
    return await deliver(worker, job, user.email, WELCOME_SUBJECT, body)


async def verification(worker: WorkerContext, job: JobRow) -> dict[str, Any]:
    settings = worker.settings
    user = await _user(worker, job)
    if user.email_verified:
        return {"skipped": "already verified"}
    body = f"Hello {user.username},\n\n" + _verification_paragraph(settings, user)
    return await deliver(worker, job, user.email, VERIFICATION_SUBJECT, body)


async def password_reset(worker: WorkerContext, job: JobRow) -> dict[str, Any]:
    settings = worker.settings
    user = await _user(worker, job)
    if not user.is_active:
        return {"skipped": "inactive account"}
    token = AccountTokens.from_settings(settings).make(
        RESET, user.id, reset_state(user.password_hash, user.email)
    )
    body = (
        f"Hello {user.username},\n\n"
        f"somebody (we hope you) asked to reset the password of your account. "
        f"To choose a new one, open this link:\n\n"
        f"{link(settings, 'reset-password', token)}\n\n"
        f"The link is valid for {_hours(settings.password_reset_ttl_seconds)} and works once. "
        f"If you did not ask for it, ignore this email: your password stays as it is.\n"
    )
    return await deliver(worker, job, user.email, RESET_SUBJECT, body)
