"""Tokens this service issues: short-lived access JWTs and rotating refresh JWTs, signed with our key.

An access token's header says `typ: at+jwt` (RFC 9068) and a refresh token's `typ: rt+jwt`, and each carries
its kind in `token_use` too, so neither can stand in for the other.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt

from app.auth.keys import SigningKey

ACCESS_TYPE = "at+jwt"
REFRESH_TYPE = "rt+jwt"
LEEWAY_SECONDS = 30  # clocks of different hosts disagree a little


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: int  # epoch seconds
    lifetime: int  # seconds


@dataclass(frozen=True)
class RefreshClaims:
    subject: str
    jti: str
    family: str
    expires_at: int


class InvalidRefreshToken(Exception):
    pass


REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]


def decode(
    token: str, key: Any, algorithms: list[str], issuer: str, audience: str, also_required: Iterable[str] = ()
) -> dict[str, Any]:
    """The claims of a signed JWT, checked the one way every token here is: signature with one of
    `algorithms`, exp/nbf/iat with the leeway, issuer, audience, and the claims required. Raises PyJWTError."""
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=algorithms,
        issuer=issuer,
        audience=audience,
        leeway=LEEWAY_SECONDS,
        options={"require": [*REQUIRED_CLAIMS, *also_required]},
    )
    return claims


class TokenIssuer:
    def __init__(self, key: SigningKey, *, issuer: str, audience: str, access_ttl: int, refresh_ttl: int) -> None:
        self.key = key
        self.issuer = issuer
        self.audience = audience
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl

    def access_token(self, *, subject: str, username: str, roles: Iterable[str]) -> IssuedToken:
        claims = {"token_use": "access", "preferred_username": username, "roles": sorted(roles)}
        return self._issue(subject, self.access_ttl, ACCESS_TYPE, claims)

    def refresh_token(self, *, subject: str, family: str) -> IssuedToken:
        return self._issue(subject, self.refresh_ttl, REFRESH_TYPE, {"token_use": "refresh", "fam": family})

    def read_refresh_token(self, token: str) -> RefreshClaims:
        """The claims of a refresh token we issued and that has not expired; InvalidRefreshToken otherwise."""
        try:
            if jwt.get_unverified_header(token).get("typ") != REFRESH_TYPE:
                raise InvalidRefreshToken("not a refresh token")
            claims = decode(
                token, self.key.public_key, [self.key.algorithm], self.issuer, self.audience, ["jti", "fam"]
            )
        except jwt.PyJWTError as exc:
            raise InvalidRefreshToken(str(exc)) from None
        if claims.get("token_use") != "refresh":
            raise InvalidRefreshToken("not a refresh token")
        return RefreshClaims(str(claims["sub"]), str(claims["jti"]), str(claims["fam"]), int(claims["exp"]))

    def _issue(self, subject: str, lifetime: int, token_type: str, extra: dict[str, Any]) -> IssuedToken:
        now = int(time.time())
        jti = uuid.uuid4().hex
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": jti,
            **extra,
        }
        headers = {"kid": self.key.kid, "typ": token_type}
        token = jwt.encode(claims, self.key.private_key, algorithm=self.key.algorithm, headers=headers)
        return IssuedToken(token, jti, now + lifetime, lifetime)
