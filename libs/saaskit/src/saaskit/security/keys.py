"""Signing keys: Ed25519 PEM files in a directory, published as a JWKS.

The algorithm is pinned to EdDSA (Ed25519). The ``kid`` of a key is its RFC 7638 JWK
thumbprint, so it is derived from the key itself and identical in every service.
The newest file (sorted by name) signs; all keys in the directory are published.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638: SHA-256 over the required members, sorted, no whitespace."""
    required = {k: jwk[k] for k in ("crv", "kty", "x")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    return _b64url(hashlib.sha256(canonical).digest())


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def jwk(self) -> dict[str, str]:
        jwk = public_jwk(self.public_key)
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("signing keys must be Ed25519 private keys (PEM, PKCS#8)")
        return cls(kid=thumbprint(public_jwk(key.public_key())), private_key=key)


class KeySet:
    """The keys of one issuer: the current signing key and every published key."""

    def __init__(self, keys: list[SigningKey]) -> None:
        if not keys:
            raise ValueError("no signing key")
        self.keys = keys
        self.current = keys[-1]
        self.by_kid = {k.kid: k for k in keys}

    @classmethod
    def from_dir(cls, directory: Path) -> KeySet:
        files = sorted(directory.glob("*.pem"))
        if not files:
            raise FileNotFoundError(
                f"no *.pem signing key in {directory} (run `devstack keys` to make one)"
            )
        return cls([SigningKey.from_pem(f.read_bytes()) for f in files])

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [k.jwk() for k in self.keys]}


def generate_private_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def ensure_key_dir(directory: Path) -> Path:
    """Development convenience: make one key if the directory has none."""
    directory.mkdir(parents=True, exist_ok=True)
    if not any(directory.glob("*.pem")):
        path = directory / "0001.pem"
        path.write_bytes(generate_private_pem())
        path.chmod(0o600)
    return directory
