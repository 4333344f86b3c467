"""Every forged or stale access token is refused with 401 and ``WWW-Authenticate: Bearer``."""

import base64
import json
import time
import uuid

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from saaskit.security.keys import KeySet
from tests.support.api import new_account
from tests.support.problems import assert_problem


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(settings, user_id: int, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "sub": str(user_id), "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
        "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(settings, claims: dict, kid: str | None = None, key=None) -> str:
    keys = KeySet.from_dir(settings.jwt_keys_dir)
    return jwt.encode(
        claims, key or keys.current.private_key, algorithm="EdDSA",
        headers={"kid": kid or keys.current.kid},
    )


def _forgeries(settings, user_id: int, valid_token: str) -> dict[str, str]:
    keys = KeySet.from_dir(settings.jwt_keys_dir)
    now = int(time.time())
    header_b64, payload_b64, signature = valid_token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))
    payload["sub"] = str(user_id + 1000)
    tampered = f"{header_b64}.{_b64(json.dumps(payload).encode())}.{signature}"

    none_header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": keys.current.kid}).encode())
    alg_none = f"{none_header}.{payload_b64}."

    public_pem = keys.current.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs_header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": keys.current.kid}).encode())
    import hashlib
    import hmac

    signing_input = f"{hs_header}.{payload_b64}".encode()
    hs256 = f"{hs_header}.{payload_b64}.{_b64(hmac.new(public_pem, signing_input, hashlib.sha256).digest())}"

    stranger = Ed25519PrivateKey.generate()
    return {
        "expired": _signed(settings, _claims(settings, user_id, iat=now - 600, exp=now - 1)),
        "tampered payload": tampered,
        "alg none": alg_none,
        "HS256 with the public key": hs256,
        "wrong audience": _signed(settings, _claims(settings, user_id, aud="someone-else")),
        "wrong issuer": _signed(settings, _claims(settings, user_id, iss="https://evil.example")),
        "unknown kid": _signed(settings, _claims(settings, user_id), kid="not-a-known-kid", key=stranger),
        "known kid, foreign key": _signed(settings, _claims(settings, user_id), key=stranger),
        "no exp": _signed(settings, _claims(settings, user_id, exp=None)),
        "no jti": _signed(settings, _claims(settings, user_id, jti=None)),
        "non-numeric sub": _signed(settings, _claims(settings, user_id, sub="admin")),
        "garbage": "not.a.jwt",
    }


def test_a_valid_token_is_accepted(auth_url, settings):
    account = new_account(auth_url)
    token = _signed(settings, _claims(settings, account.id))
    response = httpx.get(f"{auth_url}/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "kind",
    [
        "expired", "tampered payload", "alg none", "HS256 with the public key", "wrong audience",
        "wrong issuer", "unknown kid", "known kid, foreign key", "no exp", "no jti",
        "non-numeric sub", "garbage",
    ],
)
def test_forged_tokens_are_401(auth_url, settings, kind):
    account = new_account(auth_url)
    token = _forgeries(settings, account.id, account.access_token)[kind]
    response = httpx.get(f"{auth_url}/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401, kind)
    assert response.headers["www-authenticate"] == "Bearer"


def test_missing_or_non_bearer_authorization_is_401(auth_url):
    assert httpx.get(f"{auth_url}/auth/me").status_code == 401
    assert httpx.get(f"{auth_url}/auth/me", headers={"Authorization": "Bearer"}).status_code == 401
    basic = httpx.get(f"{auth_url}/auth/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401 and basic.headers["www-authenticate"] == "Bearer"


def test_jwks_lists_the_signing_key(auth_url, settings):
    account = new_account(auth_url)
    response = httpx.get(f"{auth_url}/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    kid = jwt.get_unverified_header(account.access_token)["kid"]
    published = {k["kid"]: k for k in keys}
    assert kid in published
    assert published[kid] | {"x": "-"} == {
        "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid, "x": "-"
    }
    # The published key verifies the token: this is what every other service does.
    public = jwt.PyJWK.from_dict(published[kid]).key
    claims = jwt.decode(
        account.access_token, public, algorithms=["EdDSA"],
        audience=settings.jwt_audience, issuer=settings.jwt_issuer,
    )
    assert claims["sub"] == str(account.id)
