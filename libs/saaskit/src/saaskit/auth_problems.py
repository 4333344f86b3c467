"""The auth API's errors and fixed answers, worded once for both implementations."""

from __future__ import annotations

from saaskit.problems import ProblemError, unauthorized

# 202 bodies of the mail-sending routes. The reset answer is the same whether or not the
# address has an account: it must not tell which addresses are registered.
VERIFICATION_REQUESTED = {"detail": "unless the address is verified already, a verification email is on its way"}
RESET_REQUESTED = {"detail": "if an account has this address, a password reset email is on its way"}


def invalid_credentials() -> ProblemError:
    # One body for unknown user, wrong password and inactive user: nothing to enumerate.
    return unauthorized("incorrect username or password")


def invalid_refresh_token() -> ProblemError:
    return unauthorized("refresh token is invalid, expired or revoked")


def already_taken(field: str) -> ProblemError:
    return ProblemError(409, f"this {field} is already registered", title="Conflict")


def invalid_account_token() -> ProblemError:
    # One body for unknown, tampered, expired, used and superseded tokens.
    return ProblemError(400, "the link is invalid, expired or already used")


def wrong_current_password() -> ProblemError:
    return ProblemError(400, "the current password is not correct")
