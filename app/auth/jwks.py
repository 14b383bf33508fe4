"""The signing keys of an external OpenID Connect provider (Keycloak, say), fetched from its JWKS URL.

Keys are cached for `ttl` seconds. A token whose `kid` is not in the cache triggers one refetch, since the
provider may have rotated its keys, but at most one per `refetch_interval` seconds whatever the number of
unknown kids, so a flood of made-up kids cannot hammer the provider. Fetches are single-flight.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWKError, PyJWKSetError

log = logging.getLogger(__name__)


class RemoteJwks:
    def __init__(
        self,
        url: str,
        *,
        ttl: float = 300.0,
        refetch_interval: float = 30.0,
        timeout: float = 5.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self.ttl = ttl
        self.refetch_interval = refetch_interval
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = float("-inf")  # last fetch attempt, successful or not
        self._lock = asyncio.Lock()
        self.fetches = 0  # how many times the provider was asked, for tests and metrics

    async def key(self, kid: str) -> PyJWK | None:
        """The key with this kid, refetching the set when it is stale or the kid is new (rate-limited)."""
        if time.monotonic() - self._fetched_at > self.ttl:
            await self._refetch(min_age=self.ttl)
        if kid not in self._keys:
            await self._refetch(min_age=self.refetch_interval)
        return self._keys.get(kid)

    async def _refetch(self, *, min_age: float) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < min_age:
                return  # another request fetched while this one waited, or it is too soon to ask again
            self._fetched_at = time.monotonic()
            self.fetches += 1
            try:
                response = await self._client.get(self.url)
                response.raise_for_status()
                self._keys = _signing_keys(response.json())
            except (httpx.HTTPError, ValueError, PyJWKError, PyJWKSetError) as exc:
                # Keep the keys we had: a provider that is briefly down must not log everyone out.
                log.warning("could not fetch the JWKS from %s: %s", self.url, exc)

    async def close(self) -> None:
        await self._client.aclose()


# Public-key types only: a symmetric (`oct`) key published in a key set would let anyone who reads the set
# sign tokens with it.
_ASYMMETRIC = frozenset({"RSA", "EC", "OKP"})


def _signing_keys(document: object) -> dict[str, PyJWK]:
    """The usable signing keys of a JWKS document, by kid; a key that cannot be used is skipped, not fatal."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("the JWKS document has no `keys` list")
    keys: dict[str, PyJWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig" or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("kty") not in _ASYMMETRIC or str(entry.get("alg", "")).upper().startswith(("HS", "NONE")):
            log.warning("ignoring JWKS key %r: not an asymmetric signing key", entry.get("kid"))
            continue
        try:
            keys[entry["kid"]] = PyJWK(entry)
        except Exception as exc:  # PyJWK raises several kinds (NotImplementedError for alg none, among them)
            log.warning("ignoring JWKS key %r: %s", entry.get("kid"), exc)
    return keys
