"""An async JWKS cache for services that verify tokens but do not issue them.

Keys are fetched once at startup and kept in memory, so verifying a token costs no
network round trip. A token with an unknown ``kid`` triggers one refetch (at most once
per ``min_refresh_seconds``), which is how a new signing key is picked up without a
restart; a flood of bogus kids cannot turn into a flood of requests to the issuer.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import jwt

from saaskit.security.keys import ALGORITHM
from saaskit.security.tokens import PublicKey


class JWKSCache:
    def __init__(self, url: str, min_refresh_seconds: float = 30.0, timeout: float = 2.0) -> None:
        self.url = url
        self.min_refresh_seconds = min_refresh_seconds
        self.timeout = timeout
        self._keys: dict[str, PublicKey] = {}
        self._last_fetch = float("-inf")
        self._lock = asyncio.Lock()

    def get(self, kid: str) -> PublicKey | None:
        return self._keys.get(kid)

    async def refresh(self) -> None:
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await client.get(self.url)
            response.raise_for_status()
            document = response.json()
        keys: dict[str, PublicKey] = {}
        for entry in document.get("keys", []):
            if entry.get("alg", ALGORITHM) != ALGORITHM or "kid" not in entry:
                continue
            keys[entry["kid"]] = jwt.PyJWK.from_dict(entry, algorithm=ALGORITHM).key
        self._keys = keys
        self._last_fetch = time.monotonic()

    async def get_or_refresh(self, kid: str) -> PublicKey | None:
        key = self._keys.get(kid)
        if key is not None:
            return key
        async with self._lock:
            key = self._keys.get(kid)
            if key is None and time.monotonic() - self._last_fetch >= self.min_refresh_seconds:
                try:
                    await self.refresh()
                except (httpx.HTTPError, ValueError):
                    self._last_fetch = time.monotonic()
                    return None
                key = self._keys.get(kid)
        return key
