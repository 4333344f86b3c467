"""The auth API's errors, worded once for both implementations."""

from __future__ import annotations

from saaskit.problems import ProblemError, unauthorized


def invalid_credentials() -> ProblemError:
    # One body for unknown user, wrong password and inactive user: nothing to enumerate.
    return unauthorized("incorrect username or password")


def invalid_refresh_token() -> ProblemError:
    return unauthorized("refresh token is invalid, expired or revoked")


def already_taken(field: str) -> ProblemError:
    return ProblemError(409, f"this {field} is already registered", title="Conflict")
