"""saaskit.security.tokens.token_pair: the contract's TokenPair, as both stacks answer it."""

from __future__ import annotations

from pathlib import Path

from saaskit.security.keys import KeySet
from saaskit.security.tokens import AccessTokenIssuer, AccessTokenVerifier, local_lookup, token_pair


def test_the_pair_carries_a_verifiable_access_token_the_refresh_token_and_its_lifetime(keys_dir: Path):
    keys = KeySet.from_dir(keys_dir)
    issuer = AccessTokenIssuer(keys, "https://issuer.test", "saas-api", ttl_seconds=900)

    pair = token_pair(issuer, 42, "opaque-refresh")

    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (pair["refresh_token"], pair["token_type"], pair["expires_in"]) == ("opaque-refresh", "bearer", 900)
    claims = AccessTokenVerifier(local_lookup(keys), "https://issuer.test", "saas-api").verify(pair["access_token"])
    assert claims.user_id == 42
