"""Email verification, password reset and password change (contract: "Account
lifecycle"). The routes that hash a password borrow connections only around their
statements: none is held while argon2 runs (``saaskit.security.hashing``).

Tokens are ``saaskit.security.account_tokens`` (the Django twin checks the same ones);
the mails are jobs for the worker, queued after the row is committed. Confirming
locks the user row (``FOR UPDATE``) while it checks the token against the row and
changes it, so two concurrent confirmations of one token resolve as one success and
one refusal: the first changes the state the token is bound to. A reset confirmation
hashes between its check and its write, so instead of a lock its update applies only
while the row still holds the password the token is bound to.

A reset request does the same work whatever the address: one ``INSERT ... SELECT``
that queues a job only if an active account has it, one commit, one Redis round trip
(the enqueue, or a probe of the same shape), so neither the body nor the timing says
whether the address is registered.
"""

from __future__ import annotations

from arq.connections import ArqRedis
from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from saaskit import queue
from saaskit.accounts.problems import invalid_account_token, wrong_current_password
from saaskit.db.database import Database
from saaskit.db.schema import jobs, refresh_tokens, users
from saaskit.logging import get_logger
from saaskit.problems import unauthorized
from saaskit.ratelimit import AsyncLoginLimiter, login_key
from saaskit.security.account_tokens import (
    RESET,
    VERIFICATION,
    AccountTokens,
    reset_state,
    verification_state,
)
from saaskit.security.hashing import HashingPool
from saaskit.security.passwords import PasswordService

log = get_logger(__name__)


async def _queue(pool: ArqRedis, function: str, job_id: int | None) -> None:
    """Best effort, like the welcome email: a row left ``queued`` is queued again by the
    worker's sweep."""
    try:
        if job_id is None:
            await queue.probe(pool)
        else:
            await queue.enqueue(pool, function, job_id)
    except Exception as exc:  # noqa: BLE001 - the request itself has succeeded
        log.warning("email not queued; the sweep will retry", job_id=job_id, error=str(exc))


def _email_job(type_: str, *where):
    """INSERT a job of ``type_`` for each user matching ``where``, RETURNING its id."""
    return insert(jobs).from_select(
        ["owner_id", "type", "payload"],
        select(users.c.id, literal(type_), func.jsonb_build_object("user_id", users.c.id)).where(*where),
    ).returning(jobs.c.id)


async def revoke_all(conn: AsyncConnection, user_id: int) -> None:
    await conn.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


async def request_verification(conn: AsyncConnection, user_id: int, pool: ArqRedis) -> None:
    row = (await conn.execute(
        select(users.c.is_active, users.c.email_verified).where(users.c.id == user_id)
    )).one_or_none()
    if row is None or not row.is_active:
        raise unauthorized()
    if row.email_verified:
        return
    job_id = (await conn.execute(
        _email_job(queue.VERIFICATION_EMAIL, users.c.id == user_id)
    )).scalar_one()
    await conn.commit()
    await _queue(pool, queue.VERIFICATION_EMAIL, job_id)


async def confirm_verification(conn: AsyncConnection, tokens: AccountTokens, token: str) -> None:
    user_id = tokens.user_id(token)
    row = None if user_id is None else (await conn.execute(
        select(users.c.email, users.c.email_verified, users.c.is_active)
        .where(users.c.id == user_id).with_for_update()
    )).one_or_none()
    if row is None or not row.is_active or not tokens.check(
        VERIFICATION, token, verification_state(row.email, row.email_verified)
    ):
        raise invalid_account_token()
    await conn.execute(
        update(users).where(users.c.id == user_id).values(email_verified=True, updated_at=func.now())
    )
    await conn.commit()


async def request_reset(conn: AsyncConnection, email: str, pool: ArqRedis) -> None:
    job_id = (await conn.execute(
        _email_job(queue.PASSWORD_RESET_EMAIL, func.lower(users.c.email) == email, users.c.is_active)
    )).scalar_one_or_none()
    await conn.commit()
    await _queue(pool, queue.PASSWORD_RESET_EMAIL, job_id)


async def _set_password(
    db: Database, hashing: HashingPool, passwords: PasswordService, user_id: int,
    seen_hash: str, new_password: str,
) -> bool:
    """The new hash and every refresh-token family revoked, committed together, if the
    stored hash is still ``seen_hash`` (the one the caller's check was made against);
    False if it changed meanwhile (a concurrent reset or change won). The hash is made
    before a connection is borrowed: none is held while argon2 runs."""
    password_hash = await hashing.run(passwords.hash, new_password)
    async with db.begin() as conn:
        changed = (await conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.password_hash == seen_hash, users.c.is_active)
            .values(password_hash=password_hash, updated_at=func.now())
            .returning(users.c.id)
        )).first()
        if changed is not None:
            await revoke_all(conn, user_id)
    return changed is not None


async def confirm_reset(
    db: Database, tokens: AccountTokens, hashing: HashingPool, passwords: PasswordService,
    token: str, new_password: str,
) -> None:
    """The token is checked against the row as read; the update then applies only if
    the row's password is still the one the token is bound to, so of two concurrent
    confirmations of one token one succeeds and the other is refused."""
    user_id = tokens.user_id(token)
    row = None
    if user_id is not None:
        async with db.connect() as conn:
            row = (await conn.execute(
                select(users.c.email, users.c.password_hash, users.c.is_active).where(users.c.id == user_id)
            )).one_or_none()
    if user_id is None or row is None or not row.is_active or not tokens.check(
        RESET, token, reset_state(row.password_hash, row.email)
    ):
        raise invalid_account_token()
    if not await _set_password(db, hashing, passwords, user_id, row.password_hash, new_password):
        raise invalid_account_token()


async def change_password(
    db: Database, limiter: AsyncLoginLimiter, hashing: HashingPool, passwords: PasswordService,
    user_id: int, current: str, new_password: str,
) -> None:
    """Throttled as a login (a wrong current password is a guess at the same password):
    the account's failure budget (``login_key``) is checked first and spent on a miss."""
    async with db.connect() as conn:
        row = (await conn.execute(
            select(users.c.password_hash, users.c.is_active).where(users.c.id == user_id)
        )).one_or_none()
    if row is None or not row.is_active:
        raise unauthorized()
    key = login_key("api", user_id, "")
    await limiter.check_account(key)
    if not await hashing.run(passwords.verify, row.password_hash, current):
        await limiter.account_failed(key)
        raise wrong_current_password()
    if not await _set_password(db, hashing, passwords, user_id, row.password_hash, new_password):
        raise wrong_current_password()  # changed meanwhile: what was typed is not current now
