"""One verification path for access tokens from both sources: our own login, and an external OpenID Connect
provider. The token's `kid` says whose key signed it; everything after that is the same:

- the algorithm must be the one its key allows (never `none`, never HMAC with a public key);
- signature, `exp`, `nbf`, `iat` (with a small leeway), issuer and audience as that source requires;
- it must be an access token (a refresh or ID token is refused);
- roles come from `roles`, and for the provider also Keycloak's `realm_access.roles` and
  `resource_access.<client>.roles`.

Verified tokens are cached until they expire (bounded), so a client that reuses its token pays for the
signature check once.
"""

from __future__ import annotations

import binascii
import json
import logging
import time
from base64 import b64decode
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWK

from app.auth.jwks import RemoteJwks
from app.auth.keys import PublicKey
from app.auth.principal import Principal
from app.auth.tokens import ACCESS_TYPE, decode
from app.errors import Unauthenticated

log = logging.getLogger(__name__)

MAX_TOKEN_LENGTH = 8192  # far above a real token; a larger one is refused before any parsing
_NOT_ACCESS_TOKENS = {"refresh", "id", "offline", "logout", "rt+jwt"}  # `typ` values of tokens that are not


@dataclass(frozen=True)
class LocalTrust:
    """Our own tokens: signed with our key(s), by kid."""

    keys: Mapping[str, tuple[PublicKey, str]]  # kid -> (public key, its one algorithm)
    issuer: str
    audience: str


@dataclass(frozen=True)
class ExternalTrust:
    """An OpenID Connect provider's tokens."""

    jwks: RemoteJwks
    issuer: str
    audience: str
    client_id: str  # whose `resource_access` roles count


class TokenVerifier:
    def __init__(self, *, local: LocalTrust | None, external: ExternalTrust | None, cache_size: int = 10_000) -> None:
        self.local = local
        self.external = external
        self.cache_size = cache_size
        self._verified: OrderedDict[str, Principal] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        """The principal an access token stands for; Unauthenticated (token refused) otherwise."""
        cached = self._verified.get(token)
        if cached is not None and cached.expires_at is not None and time.time() < cached.expires_at:
            self._verified.move_to_end(token)  # least recently used is evicted first
            return cached
        if len(token) > MAX_TOKEN_LENGTH:
            raise _refused("the bearer token is too large")
        header = _unverified_header(token)
        if header is None:
            raise _refused("the bearer token is not a JWT")
        try:
            principal = await self._verify(token, header)
        except Unauthenticated:
            raise
        except Exception:
            # Whatever else a token or a provider's document can provoke is still a refused token, not a 500.
            log.exception("unexpected failure verifying a token; refused")
            raise _refused("the bearer token is not valid") from None
        self._remember(token, principal)
        return principal

    async def _verify(self, token: str, header: Mapping[str, Any]) -> Principal:
        kid = header.get("kid")
        algorithm = header.get("alg")
        if not isinstance(kid, str) or not isinstance(algorithm, str):
            raise _refused("the bearer token names no key (kid) or algorithm")
        if self.local is not None and kid in self.local.keys:
            key, allowed = self.local.keys[kid]
            if header.get("typ") != ACCESS_TYPE:
                raise _refused("the bearer token is not an access token")
            claims = _decode(token, key, [allowed], self.local.issuer, self.local.audience)
            if claims.get("token_use") != "access":
                raise _refused("the bearer token is not an access token")
            return _principal(claims, _strings(claims.get("roles")))
        if self.external is not None:
            jwk = await self.external.jwks.key(kid)
            if jwk is not None:
                return self._external(token, jwk)
        raise _refused("the bearer token is signed with an unknown key")

    def _external(self, token: str, jwk: PyJWK) -> Principal:
        assert self.external is not None
        claims = _decode(token, jwk, [jwk.algorithm_name], self.external.issuer, self.external.audience)
        # Keycloak says what a token is in `typ`; an ID token of other providers gives itself away by the
        # claims only ID tokens carry (OpenID Connect Core 2: nonce, at_hash).
        if str(claims.get("typ", "")).lower() in _NOT_ACCESS_TOKENS or {"nonce", "at_hash"} & set(claims):
            raise _refused("the bearer token is not an access token")
        realm = _mapping(claims.get("realm_access"))
        client = _mapping(_mapping(claims.get("resource_access")).get(self.external.client_id))
        roles = {*_strings(claims.get("roles")), *_strings(realm.get("roles")), *_strings(client.get("roles"))}
        return _principal(claims, roles)

    def _remember(self, token: str, principal: Principal) -> None:
        self._verified[token] = principal
        if len(self._verified) > self.cache_size:
            self._verified.popitem(last=False)  # the oldest; a bounded cache, not a leak


def _unverified_header(token: str) -> dict[str, Any] | None:
    """The JOSE header of a compact JWT, read only to choose the key (jwt.decode then checks the whole token);
    None when `token` is not one.

    jwt.get_unverified_header would decode and check every segment, character by character in Python (a
    third of a signature check for a token of a few roles), which jwt.decode does again right after.
    """
    segment, *rest = token.split(".")
    if len(rest) != 2:
        return None
    try:
        header = json.loads(b64decode(segment + "=" * (-len(segment) % 4), altchars=b"-_", validate=True))
    except (ValueError, binascii.Error, RecursionError):
        return None
    return header if isinstance(header, dict) else None


def _decode(token: str, key: Any, algorithms: list[str], issuer: str, audience: str) -> dict[str, Any]:
    try:
        claims = decode(token, key, algorithms, issuer, audience)
    except jwt.ExpiredSignatureError:
        raise _refused("the bearer token has expired") from None
    except jwt.ImmatureSignatureError:
        raise _refused("the bearer token is not valid yet") from None
    except jwt.InvalidIssuerError:
        raise _refused("the bearer token is from another issuer") from None
    except jwt.InvalidAudienceError:
        raise _refused("the bearer token is for another audience") from None
    except jwt.InvalidAlgorithmError:
        raise _refused("the bearer token is signed with an algorithm its key does not allow") from None
    except jwt.PyJWTError as exc:
        log.debug("token refused: %s", exc)
        raise _refused("the bearer token is not valid") from None
    return claims


def _principal(claims: Mapping[str, Any], roles: Iterable[str]) -> Principal:
    subject = str(claims["sub"])
    username = claims.get("preferred_username") or claims.get("username") or subject
    return Principal(subject=subject, username=str(username), roles=frozenset(roles), expires_at=float(claims["exp"]))


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _refused(reason: str) -> Unauthenticated:
    return Unauthenticated(reason, token_rejected=True)
