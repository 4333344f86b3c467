"""Input rules that both implementations enforce with the same words."""

from __future__ import annotations

import re

from saaskit.db.schema import PASSWORD_MAX, PASSWORD_MIN, USERNAME_PATTERN

USERNAME_RE = re.compile(USERNAME_PATTERN)


def password_weakness(password: str) -> str | None:
    """Why a password is refused, or None when it is acceptable."""
    if len(password) < PASSWORD_MIN:
        return f"password must have at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return f"password must have at most {PASSWORD_MAX} characters"
    if not any(c.isdigit() for c in password):
        return "password must contain a digit"
    if not any(c.isalpha() for c in password):
        return "password must contain a letter"
    return None


def normalize_email(email: str) -> str:
    return email.strip().lower()
