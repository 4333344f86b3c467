"""Email-verification and password-reset tokens: stateless, signed, one format for both
stacks, so a link mailed by either implementation confirms on the other.

Format (opaque to clients): ``<user id>.<issued at, epoch seconds>.<mac>``, where
``mac`` is base64url (no padding) of HMAC-SHA256 over the JSON array
``[purpose, user id, issued at, *state]``, keyed per purpose:
``HMAC-SHA256(APP_SECRET_KEY, "saas/account-tokens/<purpose>")``. Nothing is stored.

The invariant: a token is valid only while the account is still in the state it was
issued for, because ``state`` is inside the MAC (as Django's
``PasswordResetTokenGenerator`` does):

- verification: the email address and the verified flag. Confirming flips the flag,
  so the token dies once used; changing the address kills it too.
- reset: the current password hash (and the email). Setting a password changes the
  hash (argon2 salts every hash), so the token is single-use and every token issued
  before the password last changed is dead, whoever changed it.

Why stateless rather than a token table: nothing to clean up, nothing a database
reader can replay, and single use falls out of the state the account already has.
Expiry is the issue time plus the purpose's TTL (settings: 24 h and 1 h by default);
a token from the future (beyond a minute of clock skew) is refused too. Unknown,
tampered, expired and used tokens are indistinguishable to the caller: ``check`` says
only yes or no, and compares MACs in constant time. The per-purpose key means a
verification token can never pass as a reset token, and the secret itself is never
used directly.

A token names an account by a PostgreSQL ``bigint`` id: a subject past ``2^63 - 1``
(19 digits pass the format; 9223372036854775808 and up are no id at all) is refused
here like any other bad token, before any query, as both stacks must answer it with
the one 400 (an out-of-range bind made asyncpg raise, a 500; issue 26.1).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from saaskit.pagination import BIGINT_MAX
from saaskit.settings import Settings

Purpose = Literal["email-verification", "password-reset"]
VERIFICATION: Purpose = "email-verification"
RESET: Purpose = "password-reset"

# Longest token ``make`` produces (19-digit id, 12-digit time, 43-char MAC), rounded up:
# the request bodies refuse longer strings with 422.
TOKEN_MAX = 100
CLOCK_SKEW_SECONDS = 60
_TOKEN_RE = re.compile(r"^([1-9][0-9]{0,18})\.([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{43})$")


def verification_state(email: str, verified: bool) -> tuple[str, ...]:
    return (email, "verified" if verified else "unverified")


def reset_state(password_hash: str, email: str) -> tuple[str, ...]:
    return (password_hash, email)


@dataclass(frozen=True)
class AccountTokens:
    secret: bytes
    ttl_seconds: dict[str, int]

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountTokens:
        return cls(
            settings.secret_key.get_secret_value().encode(),
            {
                VERIFICATION: settings.email_verification_ttl_seconds,
                RESET: settings.password_reset_ttl_seconds,
            },
        )

    def _mac(self, purpose: Purpose, user_id: int, issued: int, state: Sequence[str]) -> str:
        key = hmac.new(self.secret, f"saas/account-tokens/{purpose}".encode(), hashlib.sha256).digest()
        message = json.dumps([purpose, user_id, issued, *state], separators=(",", ":")).encode()
        digest = hmac.new(key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def make(self, purpose: Purpose, user_id: int, state: Sequence[str], now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        return f"{user_id}.{issued}.{self._mac(purpose, user_id, issued, state)}"

    @staticmethod
    def user_id(token: str) -> int | None:
        """The account a well-formed token names (not yet checked), or None."""
        match = _TOKEN_RE.match(token)
        if match is None:
            return None
        user_id = int(match.group(1))
        return user_id if user_id <= BIGINT_MAX else None

    def check(
        self, purpose: Purpose, token: str, state: Sequence[str], now: float | None = None
    ) -> bool:
        """True only for a token made for ``purpose``, for this state, within its TTL."""
        match = _TOKEN_RE.match(token)
        if match is None or self.user_id(token) is None:
            return False
        user_id, issued, mac = int(match.group(1)), int(match.group(2)), match.group(3)
        expected = self._mac(purpose, user_id, issued, state)
        now = time.time() if now is None else now
        fresh = issued - CLOCK_SKEW_SECONDS <= now <= issued + self.ttl_seconds[purpose]
        return hmac.compare_digest(mac, expected) and fresh
