"""What the auth API does, on one database connection per call.

Refresh tokens rotate; what presenting one does (rotate, or refuse and perhaps revoke
its family as reuse) is ``saaskit.security.refresh.decide_refresh``'s decision, the
Django twin's too. This module only reads the row under a lock (``FOR UPDATE``: two
concurrent refreshes with one token resolve as one rotation and one reuse) and applies
the decision. The token pair, the 409's wording and which unique index a lost
registration race hit are the kit's as well.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from arq.connections import ArqRedis
from sqlalchemy import RowMapping, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from auth_service.auth.schemas import RegisterIn
from saaskit import queue
from saaskit.accounts.problems import already_taken, already_taken_by, invalid_credentials, refresh_refused
from saaskit.db.constraints import violated_constraint
from saaskit.db.database import Database
from saaskit.db.schema import jobs, refresh_tokens, users
from saaskit.logging import get_logger
from saaskit.ratelimit import AsyncLoginLimiter, login_key
from saaskit.security.hashing import HashingPool
from saaskit.security.passwords import PasswordService
from saaskit.security.refresh import RefreshDecision, StoredRefreshToken, decide_refresh, new_refresh
from saaskit.security.tokens import AccessTokenIssuer, TokenPairBody, hash_refresh_token, token_pair
from saaskit.timeutil import utcnow

log = get_logger(__name__)

ME_COLUMNS = (
    users.c.id, users.c.email, users.c.username, users.c.full_name, users.c.is_active,
    users.c.email_verified, users.c.created_at,
)


@dataclass(frozen=True)
class TokenService:
    issuer: AccessTokenIssuer
    refresh_ttl: timedelta

    async def _new_refresh(self, conn: AsyncConnection, user_id: int, family: uuid.UUID) -> str:
        new = new_refresh(utcnow(), self.refresh_ttl)
        await conn.execute(
            insert(refresh_tokens).values(
                user_id=user_id, family_id=family, token_hash=new.token_hash, expires_at=new.expires_at
            )
        )
        return new.token

    async def start_family(self, conn: AsyncConnection, user_id: int) -> TokenPairBody:
        refresh = await self._new_refresh(conn, user_id, uuid.uuid4())
        await conn.commit()
        return token_pair(self.issuer, user_id, refresh)

    async def rotate(self, conn: AsyncConnection, presented: str) -> TokenPairBody:
        row = (
            await conn.execute(
                select(
                    refresh_tokens.c.id, refresh_tokens.c.user_id, refresh_tokens.c.family_id,
                    refresh_tokens.c.expires_at, refresh_tokens.c.used_at,
                    refresh_tokens.c.revoked_at, users.c.is_active,
                )
                .join(users, users.c.id == refresh_tokens.c.user_id)
                .where(refresh_tokens.c.token_hash == hash_refresh_token(presented))
                .with_for_update(of=refresh_tokens)
            )
        ).one_or_none()
        stored = None if row is None else StoredRefreshToken(
            expires_at=row.expires_at, used_at=row.used_at, revoked_at=row.revoked_at,
            user_is_active=row.is_active,
        )
        decision = decide_refresh(stored, utcnow())
        if row is None or decision is not RefreshDecision.ROTATE:
            if row is not None and decision.revokes_family:
                await revoke_family(conn, row.family_id)
                await conn.commit()
            raise refresh_refused(decision, row.family_id if row is not None else None)
        await conn.execute(
            update(refresh_tokens).where(refresh_tokens.c.id == row.id).values(used_at=func.now())
        )
        refresh = await self._new_refresh(conn, row.user_id, row.family_id)
        await conn.commit()
        return token_pair(self.issuer, row.user_id, refresh)


async def revoke_family(conn: AsyncConnection, family_id: uuid.UUID) -> None:
    await conn.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


async def register(
    db: Database, data: RegisterIn, passwords: PasswordService, hashing: HashingPool, pool: ArqRedis
) -> RowMapping:
    """The new account. The names are checked on one borrowed connection, the hash is
    made holding none (in the bounded ``hashing`` pool), the rows inserted on another."""
    async with db.connect() as conn:
        taken = await _taken(conn, data)
    if taken[0]:
        raise already_taken("email")
    if taken[1]:
        raise already_taken("username")
    password_hash = await hashing.run(passwords.hash, data.password)
    async with db.connect() as conn:
        user, job_id = await _insert_user(conn, data, password_hash)
    await queue_welcome_email(pool, job_id)  # no connection held across Redis either
    return user


async def _taken(conn: AsyncConnection, data: RegisterIn) -> tuple[bool, bool]:
    email, username = (
        await conn.execute(
            select(
                func.bool_or(func.lower(users.c.email) == data.email),
                func.bool_or(func.lower(users.c.username) == data.username.lower()),
            ).where(
                or_(
                    func.lower(users.c.email) == data.email,
                    func.lower(users.c.username) == data.username.lower(),
                )
            )
        )
    ).one()
    return bool(email), bool(username)


async def _insert_user(
    conn: AsyncConnection, data: RegisterIn, password_hash: str
) -> tuple[RowMapping, int]:
    try:
        user = (
            await conn.execute(
                insert(users)
                .values(
                    email=data.email,
                    username=data.username,
                    full_name=data.full_name,
                    password_hash=password_hash,
                )
                .returning(*ME_COLUMNS)
            )
        ).one()
    except IntegrityError as exc:
        # Lost a race with a concurrent registration of the same name: the index says which.
        await conn.rollback()
        if (problem := already_taken_by(violated_constraint(exc))) is None:
            raise
        raise problem from None
    job_id = (
        await conn.execute(
            pg_insert(jobs)
            .values(owner_id=user.id, type="welcome_email", payload={"user_id": user.id})
            .returning(jobs.c.id)
        )
    ).scalar_one()
    await conn.commit()
    return user._mapping, job_id


async def queue_welcome_email(pool: ArqRedis, job_id: int) -> None:
    """Best effort: the user exists whatever Redis says. A job left ``queued`` because
    Redis was down is queued again by the worker's periodic sweep."""
    try:
        await queue.enqueue(pool, queue.WELCOME_EMAIL, job_id)
    except Exception as exc:  # noqa: BLE001 - the registration itself has succeeded
        log.warning("welcome email not queued; the sweep will retry", job_id=job_id, error=str(exc))


async def authenticate(
    db: Database, limiter: AsyncLoginLimiter, hashing: HashingPool, passwords: PasswordService,
    login: str, password: str,
) -> int:
    """The account's id for a right password, else the 401; the 429 once the account's
    failure budget is spent, whichever of its names was typed (``login_key``).

    No connection is held while argon2 runs: one is borrowed for the lookup and, after a
    rehash, for the update. The hash waits its turn in the bounded ``hashing`` pool."""
    login = login.strip()
    async with db.connect() as conn:
        row = (
            await conn.execute(
                select(users.c.id, users.c.password_hash, users.c.is_active).where(
                    or_(
                        func.lower(users.c.username) == login.lower(),
                        func.lower(users.c.email) == login.lower(),
                    )
                )
            )
        ).first()
    key = login_key("api", row.id if row else None, login)
    await limiter.check_account(key)  # a spent account is refused, right password or not
    stored = row.password_hash if row else None
    ok = await hashing.run(passwords.verify_or_dummy, stored, password)
    if not ok or row is None or not row.is_active:
        await limiter.account_failed(key)
        raise invalid_credentials()
    if passwords.needs_rehash(row.password_hash):
        new_hash = await hashing.run(passwords.hash, password)
        async with db.begin() as conn:
            await conn.execute(update(users).where(users.c.id == row.id).values(password_hash=new_hash))
    return row.id


async def logout(conn: AsyncConnection, user_id: int, presented: str) -> None:
    """Revoke the family of a refresh token of the caller's; anything else is a no-op,
    so the answer says nothing about other people's tokens."""
    family = (
        await conn.execute(
            select(refresh_tokens.c.family_id).where(
                refresh_tokens.c.token_hash == hash_refresh_token(presented),
                refresh_tokens.c.user_id == user_id,
            )
        )
    ).scalar_one_or_none()
    if family is not None:
        await revoke_family(conn, family)
        await conn.commit()


async def get_me(conn: AsyncConnection, user_id: int) -> RowMapping | None:
    """The ``ME_COLUMNS`` of the user (``responses.me`` shapes them), or None."""
    row = (await conn.execute(select(*ME_COLUMNS).where(users.c.id == user_id))).one_or_none()
    return row._mapping if row else None
