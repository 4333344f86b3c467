"""Input rules that both implementations enforce with the same words."""

from __future__ import annotations

import re

import email_validator

from saaskit.accounts.limits import PASSWORD_MAX, PASSWORD_MIN

# A digit and a letter (Unicode), as regular expressions so the OpenAPI documents can
# state the very rule the code applies (saaskit.openapi).
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
PASSWORD_PATTERN = r"^(?=[\s\S]*\d)(?=[\s\S]*[^\W\d_])"


def password_weakness(password: str) -> str | None:
    """Why a password is refused, or None when it is acceptable."""
    if len(password) < PASSWORD_MIN:
        return f"password must have at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return f"password must have at most {PASSWORD_MAX} characters"
    if not _DIGIT.search(password):
        return "password must contain a digit"
    if not _LETTER.search(password):
        return "password must contain a letter"
    return None


SPECIAL_USE_DOMAINS = tuple(email_validator.SPECIAL_USE_DOMAIN_NAMES)
"""Domains no mail is delivered to (``.test``, ``.local``...): refused by email-validator,
which pydantic's ``EmailStr`` uses on the FastAPI side, so refused on Django too."""


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


EMAIL_PATTERN = "^(?![\\s\\S]*[@.](" + "|".join(_any_case(d) for d in SPECIAL_USE_DOMAINS) + ")$)"
"""The same rule, for the OpenAPI documents (saaskit.openapi)."""


def email_domain_problem(email: str) -> str | None:
    """Why an (otherwise valid) address is refused, or None."""
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    if any(domain == d or domain.endswith("." + d) for d in SPECIAL_USE_DOMAINS):
        return "The part after the @-sign is a special-use or reserved name that cannot be used with email."
    return None


def normalize_email(email: str) -> str:
    return email.strip().lower()
