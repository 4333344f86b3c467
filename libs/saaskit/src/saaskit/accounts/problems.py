"""The auth API's errors and fixed answers, worded once for both implementations."""

from __future__ import annotations

from uuid import UUID

from saaskit.db.constraints import USERS_EMAIL_UNIQUE, USERS_USERNAME_UNIQUE
from saaskit.logging import get_logger
from saaskit.problems import ProblemError, unauthorized
from saaskit.security.refresh import RefreshDecision

log = get_logger(__name__)

# 202 bodies of the mail-sending routes. The reset answer is the same whether or not the
# address has an account: it must not tell which addresses are registered.
VERIFICATION_REQUESTED = {"detail": "unless the address is verified already, a verification email is on its way"}
RESET_REQUESTED = {"detail": "if an account has this address, a password reset email is on its way"}


def invalid_credentials() -> ProblemError:
    # One body for unknown user, wrong password and inactive user: nothing to enumerate.
    return unauthorized("incorrect username or password")


def invalid_refresh_token() -> ProblemError:
    return unauthorized("refresh token is invalid, expired or revoked")


def refresh_refused(decision: RefreshDecision, family_id: UUID | None) -> ProblemError:
    """The one 401 of every refusal (nothing to tell a thief); a reuse, the sign of a
    stolen token, is logged with its family."""
    if decision is RefreshDecision.REUSED:
        log.warning("refresh token reuse; revoking family", family=str(family_id))
    return invalid_refresh_token()


def already_taken(field: str) -> ProblemError:
    return ProblemError(409, f"this {field} is already registered", title="Conflict")


# The unique indexes of ``users``, by the field a registration names in its 409.
_TAKEN_FIELD = {USERS_EMAIL_UNIQUE: "email", USERS_USERNAME_UNIQUE: "username"}


def already_taken_by(constraint_name: str | None) -> ProblemError | None:
    """The 409 for a registration that lost a race on one of ``users``' unique indexes
    (``saaskit.db.constraints.violated_constraint`` reads the name off the driver's
    error), or None for any other constraint: that error is not a taken name."""
    field = _TAKEN_FIELD.get(constraint_name) if constraint_name is not None else None
    return already_taken(field) if field is not None else None


def invalid_account_token() -> ProblemError:
    # One body for unknown, tampered, expired, used and superseded tokens.
    return ProblemError(400, "the link is invalid, expired or already used")


def wrong_current_password() -> ProblemError:
    return ProblemError(400, "the current password is not correct")
