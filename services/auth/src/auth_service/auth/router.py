"""HTTP routes of the auth API (contract: "Auth")."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from auth_service.auth import lifecycle, service
from auth_service.auth.dependencies import (
    AccountTokensDep,
    HashingDep,
    KeysDep,
    LimiterDep,
    PasswordFormDep,
    PasswordsDep,
    TokensDep,
    spend_address_budget,
)
from auth_service.auth.responses import me as me_body
from auth_service.auth.schemas import (
    JWKS,
    Accepted,
    Me,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetRequestIn,
    RefreshIn,
    RegisterIn,
    TokenIn,
    TokenPair,
)
from saaskit.accounts.problems import RESET_REQUESTED, VERIFICATION_REQUESTED
from saaskit.problems import unauthorized
from saaskit.ratelimit import account_key
from saaskit.web.auth import CurrentUserId
from saaskit.web.deps import ConnDep, DatabaseDep, QueueDep
from saaskit.web.problem_docs import PROBLEM, THROTTLED
from saaskit.web.responses import JSONBytes

THROTTLE = [Depends(spend_address_budget)]
BUSY = {503: {"description": "too many password hashes queued, or a dependency is down", **PROBLEM}}

router = APIRouter(prefix="/auth", tags=["auth"])
jwks_router = APIRouter(tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=Me,
    summary="Create an account",
    responses={409: {"description": "email or username taken", **PROBLEM},
               422: {"description": "invalid input", **PROBLEM}, **THROTTLED},
    dependencies=THROTTLE,
)
async def register(
    data: RegisterIn, db: DatabaseDep, passwords: PasswordsDep, hashing: HashingDep, pool: QueueDep
) -> JSONBytes:
    row = await service.register(db, data, passwords, hashing, pool)
    return JSONBytes(me_body(row), status_code=status.HTTP_201_CREATED)


@router.post(
    "/token",
    response_model=TokenPair,
    summary="Log in (OAuth2 password flow): username or email, and password",
    responses={401: {"description": "incorrect username or password", **PROBLEM}, **THROTTLED,
               **BUSY},
    dependencies=THROTTLE,
)
async def token(
    form: PasswordFormDep,
    db: DatabaseDep,
    passwords: PasswordsDep,
    hashing: HashingDep,
    tokens: TokensDep,
    limiter: LimiterDep,
) -> JSONBytes:
    user_id = await service.authenticate(db, limiter, hashing, passwords, form.username, form.password)
    async with db.connect() as conn:
        return JSONBytes(await tokens.start_family(conn, user_id))


@router.post(
    "/refresh",
    response_model=TokenPair,
    summary="Exchange a refresh token for a new pair (the refresh token rotates)",
    responses={401: {"description": "invalid, expired, revoked or reused token", **PROBLEM}, **THROTTLED},
    dependencies=THROTTLE,
)
async def refresh(data: RefreshIn, conn: ConnDep, tokens: TokensDep) -> JSONBytes:
    return JSONBytes(await tokens.rotate(conn, data.refresh_token))


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke the refresh token's login (its whole family)",
    responses={401: {"description": "not authenticated", **PROBLEM}},
)
async def logout(data: RefreshIn, conn: ConnDep, user_id: CurrentUserId) -> Response:
    await service.logout(conn, user_id, data.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/me",
    response_model=Me,
    summary="The caller's account",
    responses={401: {"description": "not authenticated", **PROBLEM}},
)
async def me(conn: ConnDep, user_id: CurrentUserId) -> JSONBytes:
    found = await service.get_me(conn, user_id)
    if found is None or not found["is_active"]:
        raise unauthorized()
    return JSONBytes(me_body(found))


INVALID_LINK = {400: {"description": "the token is unknown, tampered, expired or used", **PROBLEM}}


@router.post(
    "/verify-email/request",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Mail a new verification link (none when the address is verified already)",
    responses={401: {"description": "not authenticated", **PROBLEM}, **THROTTLED},
    dependencies=THROTTLE,
)
async def verify_email_request(
    conn: ConnDep, user_id: CurrentUserId, pool: QueueDep, limiter: LimiterDep
) -> JSONBytes:
    await limiter.spend_account(account_key("verify", str(user_id)))
    await lifecycle.request_verification(conn, user_id, pool)
    return JSONBytes(VERIFICATION_REQUESTED, status_code=status.HTTP_202_ACCEPTED)


@router.post(
    "/verify-email/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Confirm the email address with the token of a mailed link",
    responses={**INVALID_LINK, 422: {"description": "invalid input", **PROBLEM}},
)
async def verify_email_confirm(data: TokenIn, conn: ConnDep, tokens: AccountTokensDep) -> Response:
    await lifecycle.confirm_verification(conn, tokens, data.token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password-reset/request",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Mail a password reset link, if the address has an account (same answer either way)",
    responses={422: {"description": "invalid input", **PROBLEM}, **THROTTLED},
    dependencies=THROTTLE,
)
async def password_reset_request(
    data: PasswordResetRequestIn, conn: ConnDep, pool: QueueDep, limiter: LimiterDep
) -> JSONBytes:
    await limiter.spend_account(account_key("reset", data.email))
    await lifecycle.request_reset(conn, data.email, pool)
    return JSONBytes(RESET_REQUESTED, status_code=status.HTTP_202_ACCEPTED)


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a new password with the token of a mailed link; every login is revoked",
    responses={**INVALID_LINK, 422: {"description": "invalid input or weak password", **PROBLEM}},
)
async def password_reset_confirm(
    data: PasswordResetConfirmIn, db: DatabaseDep, tokens: AccountTokensDep, passwords: PasswordsDep,
    hashing: HashingDep,
) -> Response:
    await lifecycle.confirm_reset(db, tokens, hashing, passwords, data.token, data.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password/change",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change the password, given the current one; every login is revoked",
    responses={400: {"description": "the current password is not correct", **PROBLEM},
               401: {"description": "not authenticated", **PROBLEM},
               422: {"description": "invalid input or weak password", **PROBLEM}, **THROTTLED, **BUSY},
    dependencies=THROTTLE,
)
async def password_change(
    data: PasswordChangeIn, db: DatabaseDep, user_id: CurrentUserId, passwords: PasswordsDep,
    hashing: HashingDep, limiter: LimiterDep,
) -> Response:
    await lifecycle.change_password(
        db, limiter, hashing, passwords, user_id, data.current_password, data.new_password
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@jwks_router.get(
    "/.well-known/jwks.json",
    response_model=JWKS,
    summary="The public keys that sign access tokens",
)
async def jwks(keys: KeysDep) -> JSONBytes:
    return JSONBytes(keys.jwks(), headers={"Cache-Control": "public, max-age=300"})
