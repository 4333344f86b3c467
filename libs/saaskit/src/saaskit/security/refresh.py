"""Refresh-token rotation and reuse detection: one decision for both stacks.

Invariant: a refresh token is good exactly once, strictly before its ``expires_at``, for
an active user; a good one is marked used and replaced by a new token of the same family.
Anything else is a 401, and two of the refusals also revoke the whole family:

- the token was **used** already: somebody replays it (the sign of a stolen token), so
  the thief and the victim are both logged out of that login;
- the token was **revoked**: its family is revoked again. Revocation is per family
  (logout, password change, reset, the admin's force-logout), but a rotation racing
  one of them can insert its new token after the revoking ``UPDATE`` took its snapshot;
  the next presentation of a revoked token sweeps that survivor up.

Reuse and revocation are checked before expiry: a used token replayed after its expiry
still revokes its family. ``expires_at == now`` is expired. An inactive user's token is
refused without touching the family (reactivating the account brings the login back).

The decision is pure, from the stored row's fields and the clock; each stack reads the
row under a row lock (``FOR UPDATE``, so two concurrent refreshes with one token resolve
as one rotation and one reuse) and applies the decision on its own connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from saaskit.security.tokens import hash_refresh_token, new_refresh_token


class RefreshDecision(Enum):
    ROTATE = "rotate"
    UNKNOWN = "unknown"  # no row has this hash
    REUSED = "reused"  # used before: revoke the family
    REVOKED = "revoked"  # its family was revoked: revoke it again
    EXPIRED = "expired"
    INACTIVE = "inactive"  # the user is deactivated

    @property
    def revokes_family(self) -> bool:
        return self in (RefreshDecision.REUSED, RefreshDecision.REVOKED)


@dataclass(frozen=True, slots=True)
class StoredRefreshToken:
    """The fields of a ``refresh_tokens`` row (and its user) that the decision reads."""

    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    user_is_active: bool


def decide_refresh(stored: StoredRefreshToken | None, now: datetime) -> RefreshDecision:
    """What presenting this token at ``now`` does (see the module docstring)."""
    if stored is None:
        return RefreshDecision.UNKNOWN
    if stored.revoked_at is not None:
        return RefreshDecision.REVOKED
    if stored.used_at is not None:
        return RefreshDecision.REUSED
    if stored.expires_at <= now:
        return RefreshDecision.EXPIRED
    if not stored.user_is_active:
        return RefreshDecision.INACTIVE
    return RefreshDecision.ROTATE


@dataclass(frozen=True, slots=True)
class NewRefreshToken:
    """A fresh token for the client and what its row stores (the hash, never the token)."""

    token: str
    token_hash: str
    expires_at: datetime


def new_refresh(now: datetime, ttl: timedelta) -> NewRefreshToken:
    """A new refresh token living ``ttl`` from ``now`` (each rotation starts a new ttl)."""
    token = new_refresh_token()
    return NewRefreshToken(token=token, token_hash=hash_refresh_token(token), expires_at=now + ttl)
