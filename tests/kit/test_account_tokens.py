"""saaskit.security.account_tokens: bound to the account's state, per purpose, expiring."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from saaskit.security.account_tokens import (
    RESET,
    TOKEN_MAX,
    VERIFICATION,
    AccountTokens,
    reset_state,
    verification_state,
)
from saaskit.settings import Settings

NOW = 1_800_000_000.0
TOKENS = AccountTokens(b"kit-test-secret", {VERIFICATION: 86_400, RESET: 3_600})
UNVERIFIED = verification_state("ada@example.com", False)
HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


def test_a_token_checks_for_its_purpose_user_and_state():
    token = TOKENS.make(VERIFICATION, 42, UNVERIFIED, now=NOW)
    assert TOKENS.user_id(token) == 42
    assert TOKENS.check(VERIFICATION, token, UNVERIFIED, now=NOW + 10)
    assert len(token) <= TOKEN_MAX


def test_the_state_the_token_is_bound_to_kills_it_when_it_changes():
    verify = TOKENS.make(VERIFICATION, 42, UNVERIFIED, now=NOW)
    assert not TOKENS.check(VERIFICATION, verify, verification_state("ada@example.com", True), now=NOW)
    assert not TOKENS.check(VERIFICATION, verify, verification_state("eve@example.com", False), now=NOW)
    reset = TOKENS.make(RESET, 42, reset_state(HASH, "ada@example.com"), now=NOW)
    assert TOKENS.check(RESET, reset, reset_state(HASH, "ada@example.com"), now=NOW)
    assert not TOKENS.check(RESET, reset, reset_state(HASH + "x", "ada@example.com"), now=NOW)


def test_a_token_of_one_purpose_or_user_is_not_one_of_another():
    token = TOKENS.make(VERIFICATION, 42, UNVERIFIED, now=NOW)
    assert not TOKENS.check(RESET, token, UNVERIFIED, now=NOW)
    other_user = token.replace("42.", "43.", 1)
    assert TOKENS.user_id(other_user) == 43
    assert not TOKENS.check(VERIFICATION, other_user, UNVERIFIED, now=NOW)


def test_expiry_follows_the_purposes_ttl_and_future_tokens_are_refused():
    verify = TOKENS.make(VERIFICATION, 42, UNVERIFIED, now=NOW)
    assert TOKENS.check(VERIFICATION, verify, UNVERIFIED, now=NOW + 86_400)
    assert not TOKENS.check(VERIFICATION, verify, UNVERIFIED, now=NOW + 86_401)
    state = reset_state(HASH, "ada@example.com")
    reset = TOKENS.make(RESET, 42, state, now=NOW)
    assert TOKENS.check(RESET, reset, state, now=NOW + 3_600)
    assert not TOKENS.check(RESET, reset, state, now=NOW + 3_601)
    assert not TOKENS.check(RESET, reset, state, now=NOW - 61)


def test_another_secret_makes_other_tokens():
    token = TOKENS.make(VERIFICATION, 42, UNVERIFIED, now=NOW)
    other = AccountTokens(b"another-secret", TOKENS.ttl_seconds)
    assert not other.check(VERIFICATION, token, UNVERIFIED, now=NOW)


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one MAC character
    lambda t: "4" + t,  # the user id
    lambda t: t.replace(".", ".1", 1),  # the issue time
    lambda t: t + "A",
    lambda t: t[:-1],
    lambda t: " " + t,
    lambda t: t.replace(".", "_"),
    lambda t: "0" + t,  # leading zero: ids are written one way only
    lambda t: "",
    lambda t: "1_0" + t[1:],  # int() would accept the underscore; the format does not
])
def test_malformed_or_tampered_tokens_are_refused(mangle):
    token = TOKENS.make(VERIFICATION, 42, UNVERIFIED, now=NOW)
    assert not TOKENS.check(VERIFICATION, mangle(token), UNVERIFIED, now=NOW)


def test_from_settings_reads_the_secret_and_the_ttls():
    tokens = AccountTokens.from_settings(Settings(
        secret_key=SecretStr("s3cret"), email_verification_ttl_seconds=5, password_reset_ttl_seconds=7,
    ))
    assert tokens.secret == b"s3cret"
    assert tokens.ttl_seconds == {VERIFICATION: 5, RESET: 7}


def test_a_subject_past_bigint_names_no_account_even_when_signed():
    for user_id in (2**63, 2**63 + 1, 10**19 - 1):
        token = TOKENS.make(VERIFICATION, user_id, UNVERIFIED)
        assert TOKENS.user_id(token) is None
        assert not TOKENS.check(VERIFICATION, token, UNVERIFIED)
    biggest = TOKENS.make(VERIFICATION, 2**63 - 1, UNVERIFIED)
    assert TOKENS.user_id(biggest) == 2**63 - 1
    assert TOKENS.check(VERIFICATION, biggest, UNVERIFIED)
