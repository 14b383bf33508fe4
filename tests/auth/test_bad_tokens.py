"""Every way a bearer token can be wrong is a 401 problem (never a 500), for our own tokens and for the
provider's alike; and what is right about the provider's tokens: Keycloak's roles, key rotation, outages."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.auth.keys import load_signing_key
from tests.auth.conftest import bearer
from tests.support.provider import CLIENT, Provider
from tests.support.tokens import SIGNING_KEY_PEM, mint

OWN_KEY = load_signing_key(SIGNING_KEY_PEM.encode())
ALL_ROLES = ["get-authors", "create-author"]


def _own_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": "specbound",
        "aud": "specbound",
        "sub": "1",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "token_use": "access",
        "preferred_username": "ann",
        "roles": ALL_ROLES,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def own(*, key: Any = None, algorithm: str = "RS256", headers: dict[str, Any] | None = None, **claims: Any) -> str:
    header = {"kid": OWN_KEY.kid, "typ": "at+jwt", **(headers or {})}
    return jwt.encode(_own_claims(**claims), key or OWN_KEY.private_key, algorithm=algorithm, headers=header)


class Source:
    """Builds tokens of one source (ours, or the provider's) so that each bad case is written once."""

    def __init__(self, name: str, provider: Provider) -> None:
        self.name = name
        self.provider = provider

    @property
    def kid(self) -> str:
        return OWN_KEY.kid if self.name == "own" else self.provider.kid

    @property
    def public_pem(self) -> bytes:
        key = OWN_KEY.public_key if self.name == "own" else self.provider.public_key()
        return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def good(self, **claims: Any) -> str:
        if self.name == "own":
            return own(**claims)
        return self.provider.token(resource_access={CLIENT: {"roles": ALL_ROLES}}, **claims)

    def claims(self) -> dict[str, Any]:
        return jwt.decode(self.good(), options={"verify_signature": False})

    def signed_by_stranger(self) -> str:
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        header = {"kid": self.kid, **({"typ": "at+jwt"} if self.name == "own" else {})}
        return jwt.encode(self.claims(), stranger, algorithm="RS256", headers=header)


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(source: Source) -> str:
    header = {"alg": "none", "kid": source.kid, "typ": "at+jwt"}
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(source.claims()).encode())}."


def _hmac_with_public_key(source: Source) -> str:
    """Algorithm confusion: HS256 keyed with the public key, which a careless verifier would accept."""
    header = {"alg": "HS256", "kid": source.kid, "typ": "at+jwt"}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(source.claims()).encode())}"
    signature = hmac.new(source.public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _tampered_payload(source: Source) -> str:
    header, _, signature = _segments(source.good())
    claims = {**source.claims(), "roles": ["delete-author"], "realm_access": {"roles": ["delete-author"]}}
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def _tampered_signature(source: Source) -> str:
    header, payload, signature = _segments(source.good())
    flipped = ("A" if signature[10] != "A" else "B").join([signature[:10], signature[11:]])
    return f"{header}.{payload}.{flipped}"


def _refresh_token(source: Source) -> str:
    if source.name == "own":
        return own(headers={"typ": "rt+jwt"}, token_use="refresh", fam=uuid.uuid4().hex)
    return source.good(typ="Refresh")


def _ago(seconds: int) -> int:
    return int(time.time()) - seconds


BAD: dict[str, Callable[[Source], str]] = {
    "alg none": _unsigned,
    "HS256 keyed with the public key": _hmac_with_public_key,
    "expired": lambda source: source.good(exp=_ago(120), iat=_ago(600)),
    "not valid yet (nbf)": lambda source: source.good(nbf=_ago(-120)),
    "issued in the future (iat)": lambda source: source.good(iat=_ago(-600)),
    "another issuer": lambda source: source.good(iss="https://evil.example/realms/test"),
    "another audience": lambda source: source.good(aud="some-other-service"),
    "no expiry": lambda source: source.good(exp=None),
    "tampered payload": _tampered_payload,
    "tampered signature": _tampered_signature,
    "signed by another key under our kid": lambda source: source.signed_by_stranger(),
    "a refresh token": _refresh_token,
    "unknown kid": lambda source: jwt.encode(
        source.claims(), OWN_KEY.private_key, algorithm="RS256", headers={"kid": "nope"}
    ),
    "no kid": lambda source: jwt.encode(source.claims(), OWN_KEY.private_key, algorithm="RS256"),
    "header not JSON": lambda source: "bm90IGpzb24." + _segments(source.good())[1] + ".c2ln",
    "not a JWT": lambda source: "garbage",
    "three dots of nothing": lambda source: "..",
    "oversized": lambda source: source.good(padding="x" * 10_000),
}


@pytest.fixture(params=["own", "provider"])
def source(request: pytest.FixtureRequest, provider: Provider) -> Source:
    return Source(request.param, provider)


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Token checks never reach the database: one back-end is enough here."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


async def test_a_good_token_of_either_source_is_accepted(client: httpx.AsyncClient, source: Source) -> None:
    response = await client.get("/api/v1/authors", headers=bearer(source.good()))

    assert response.status_code == 200


@pytest.mark.parametrize("case", list(BAD))
async def test_a_bad_token_is_a_401_problem(client: httpx.AsyncClient, source: Source, case: str) -> None:
    response = await client.get("/api/v1/authors", headers=bearer(BAD[case](source)))

    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize(
    ("case", "detail"),
    [
        ("expired", "the bearer token has expired"),
        ("another issuer", "the bearer token is from another issuer"),
        ("another audience", "the bearer token is for another audience"),
        ("a refresh token", "the bearer token is not an access token"),
        ("unknown kid", "the bearer token is signed with an unknown key"),
        ("oversized", "the bearer token is too large"),
    ],
)
async def test_the_401_says_what_is_wrong_with_the_token(
    client: httpx.AsyncClient, source: Source, case: str, detail: str
) -> None:
    response = await client.get("/api/v1/authors", headers=bearer(BAD[case](source)))

    assert response.json()["detail"] == detail


@pytest.mark.parametrize(
    ("claims", "allowed"),
    [
        ({"realm_access": {"roles": ["get-authors"]}}, True),
        ({"resource_access": {CLIENT: {"roles": ["get-authors"]}}}, True),
        ({"roles": ["get-authors"]}, True),
        ({"resource_access": {"another-client": {"roles": ["get-authors"]}}}, False),
        ({"realm_access": {"roles": "get-authors"}}, False),
    ],
    ids=["realm role", "client role", "roles claim", "another client's role", "malformed roles"],
)
async def test_the_providers_roles_come_from_where_keycloak_puts_them(
    client: httpx.AsyncClient, provider: Provider, claims: dict[str, Any], allowed: bool
) -> None:
    response = await client.get("/api/v1/authors", headers=bearer(provider.token(**claims)))

    assert response.status_code == (200 if allowed else 403)


async def test_both_sources_are_trusted_at_once(client: httpx.AsyncClient, provider: Provider) -> None:
    me_here = await client.get("/api/v1/users/me", headers=bearer(mint(["get-authors"], username="local")))
    me_there = await client.get("/api/v1/users/me", headers=bearer(provider.token(preferred_username="kc")))

    assert (me_here.json()["username"], me_there.json()["username"]) == ("local", "kc")


async def test_a_rotated_provider_key_is_fetched_once_and_then_trusted(
    client: httpx.AsyncClient, provider: Provider
) -> None:
    old = provider.token(roles=["get-authors"])
    assert (await client.get("/api/v1/authors", headers=bearer(old))).status_code == 200
    provider.rotate()
    await asyncio.sleep(0.6)  # beyond the refetch interval of the test application

    new = provider.token(roles=["get-authors"])
    responses = [await client.get("/api/v1/authors", headers=bearer(new)) for _ in range(3)]
    after_rotation = provider.requests

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert after_rotation == 2  # the first fetch, and one refetch for the new kid


async def test_a_flood_of_unknown_kids_costs_the_provider_one_fetch(
    client: httpx.AsyncClient, provider: Provider
) -> None:
    await client.get("/api/v1/authors", headers=bearer(provider.token(roles=["get-authors"])))
    before = provider.requests

    forged = [
        jwt.encode({"sub": "x"}, OWN_KEY.private_key, algorithm="RS256", headers={"kid": uuid.uuid4().hex})
        for _ in range(50)
    ]
    # All at once: concurrent lookups of unknown kids must share one fetch (single-flight), not race to the provider.
    responses = await asyncio.gather(*(client.get("/api/v1/authors", headers=bearer(token)) for token in forged))

    assert {response.status_code for response in responses} == {401}
    assert provider.requests - before <= 1


async def test_when_the_provider_is_down_the_keys_it_gave_keep_working(
    client: httpx.AsyncClient, provider: Provider
) -> None:
    token = provider.token(roles=["get-authors"])
    assert (await client.get("/api/v1/authors", headers=bearer(token))).status_code == 200
    provider.close()
    await asyncio.sleep(0.6)

    fresh_token_same_key = provider.token(roles=["get-authors"])
    unknown = jwt.encode({"sub": "x"}, OWN_KEY.private_key, algorithm="RS256", headers={"kid": "rotated-meanwhile"})

    assert (await client.get("/api/v1/authors", headers=bearer(fresh_token_same_key))).status_code == 200
    assert (await client.get("/api/v1/authors", headers=bearer(unknown))).status_code == 401


async def test_an_ec_key_of_the_provider_verifies_es256_tokens(client: httpx.AsyncClient, provider: Provider) -> None:
    kid = provider.add_key("EC")
    await asyncio.sleep(0.6)

    response = await client.get("/api/v1/authors", headers=bearer(provider.token(kid=kid, roles=["get-authors"])))

    assert response.status_code == 200


async def test_malformed_role_claims_of_the_provider_mean_no_roles_not_a_failure(
    client: httpx.AsyncClient, provider: Provider
) -> None:
    token = provider.token(resource_access=["get-authors"], realm_access="get-authors", roles={"x": 1})

    me = await client.get("/api/v1/users/me", headers=bearer(token))
    authors = await client.get("/api/v1/authors", headers=bearer(token))

    assert (me.status_code, me.json()["roles"]) == (200, [])
    assert authors.status_code == 403


async def test_an_id_token_of_the_provider_is_not_an_access_token(
    client: httpx.AsyncClient, provider: Provider
) -> None:
    token = provider.token(typ=None, nonce="n-0S6_WzA2Mj", roles=["get-authors"])

    response = await client.get("/api/v1/authors", headers=bearer(token))

    assert (response.status_code, response.json()["detail"]) == (401, "the bearer token is not an access token")


async def test_keys_of_the_provider_that_are_not_asymmetric_signing_keys_are_ignored(
    client: httpx.AsyncClient, provider: Provider
) -> None:
    """A symmetric key in a key set is readable by anyone: a token signed with it must not be trusted."""
    secret = b"published-in-the-jwks-for-all-to-read"
    provider.extra_jwks += [
        {"kid": "shared", "kty": "oct", "use": "sig", "alg": "HS256", "k": base64.urlsafe_b64encode(secret).decode()},
        {"kid": "none-alg", "kty": "RSA", "use": "sig", "alg": "none", "n": "AQAB", "e": "AQAB"},
    ]
    claims = Source("provider", provider).claims() | {"roles": ["get-authors"]}
    forged = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": "shared"})

    good = await client.get("/api/v1/authors", headers=bearer(provider.token(roles=["get-authors"])))
    refused = await client.get("/api/v1/authors", headers=bearer(forged))

    assert good.status_code == 200  # the rest of the key set is still used
    assert (refused.status_code, refused.json()["detail"]) == (401, "the bearer token is signed with an unknown key")
