"""saaskit.security.refresh: what presenting a stored refresh token does, at the clock's
edges, and the new token each rotation stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from saaskit.security.refresh import (
    NewRefreshToken,
    RefreshDecision,
    StoredRefreshToken,
    decide_refresh,
    new_refresh,
)
from saaskit.security.tokens import hash_refresh_token

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def stored(
    *, expires_at: datetime = NOW + timedelta(days=30), used_at: datetime | None = None,
    revoked_at: datetime | None = None, user_is_active: bool = True,
) -> StoredRefreshToken:
    return StoredRefreshToken(
        expires_at=expires_at, used_at=used_at, revoked_at=revoked_at, user_is_active=user_is_active
    )


def test_a_fresh_token_of_an_active_user_rotates_until_the_last_microsecond():
    assert decide_refresh(stored(), NOW) is RefreshDecision.ROTATE
    assert decide_refresh(stored(expires_at=NOW + TICK), NOW) is RefreshDecision.ROTATE


def test_a_token_is_expired_exactly_at_its_expiry_and_after():
    assert decide_refresh(stored(expires_at=NOW), NOW) is RefreshDecision.EXPIRED
    assert decide_refresh(stored(expires_at=NOW - TICK), NOW) is RefreshDecision.EXPIRED


def test_an_unknown_token_is_refused_without_a_family_to_revoke():
    decision = decide_refresh(None, NOW)
    assert decision is RefreshDecision.UNKNOWN
    assert not decision.revokes_family


def test_a_token_used_once_already_is_reuse_and_revokes_its_family():
    rotated = stored(used_at=NOW - timedelta(seconds=5))
    decision = decide_refresh(rotated, NOW)
    assert decision is RefreshDecision.REUSED
    assert decision.revokes_family


def test_reuse_is_reuse_even_after_expiry_or_deactivation():
    # A thief replaying an old token must still end the login it was stolen from.
    late = stored(used_at=NOW - timedelta(days=31), expires_at=NOW - timedelta(days=1))
    assert decide_refresh(late, NOW) is RefreshDecision.REUSED
    inactive = stored(used_at=NOW - timedelta(seconds=5), user_is_active=False)
    assert decide_refresh(inactive, NOW) is RefreshDecision.REUSED


def test_a_token_of_a_revoked_family_is_refused_and_revokes_the_family_again():
    for token in (
        stored(revoked_at=NOW - timedelta(seconds=1)),  # logged out
        stored(revoked_at=NOW - timedelta(seconds=1), used_at=NOW - timedelta(seconds=9)),
        stored(revoked_at=NOW - timedelta(seconds=1), expires_at=NOW - timedelta(days=1)),
    ):
        decision = decide_refresh(token, NOW)
        assert decision is RefreshDecision.REVOKED
        assert decision.revokes_family


def test_an_inactive_users_fresh_token_is_refused_but_leaves_the_family_alone():
    decision = decide_refresh(stored(user_is_active=False), NOW)
    assert decision is RefreshDecision.INACTIVE
    assert not decision.revokes_family
    assert not RefreshDecision.EXPIRED.revokes_family
    assert not RefreshDecision.ROTATE.revokes_family


@pytest.mark.parametrize("ttl", [timedelta(seconds=1), timedelta(days=30)])
def test_a_new_refresh_token_lives_its_ttl_from_now_and_is_stored_as_its_hash(ttl):
    new = new_refresh(NOW, ttl)
    assert isinstance(new, NewRefreshToken)
    assert new.expires_at == NOW + ttl
    assert new.token_hash == hash_refresh_token(new.token) != new.token
    assert len(new.token) >= 43  # 32 random bytes, base64url
    assert new_refresh(NOW, ttl).token != new.token


def test_the_new_token_rotates_until_its_expiry_then_is_expired():
    new = new_refresh(NOW, timedelta(days=30))
    row = stored(expires_at=new.expires_at)
    assert decide_refresh(row, new.expires_at - TICK) is RefreshDecision.ROTATE
    assert decide_refresh(row, new.expires_at) is RefreshDecision.EXPIRED
