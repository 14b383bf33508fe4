"""Every kind of security scheme, served: bearer, oauth2 and openIdConnect tokens are JWTs the service
verifies; basic and apiKey (header, query, cookie) credentials go to the verifiers `make new-handler`
scaffolds, and the service refuses to start until they are written. Requirements are OR of ANDs, and the
root-level `security` applies to an operation that names none."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from tests.constructs.support import ConstructRepo
from tests.support.tokens import mint

CALLER = "principal = ctx.principal\nassert principal is not None\nreturn VaultCaller(subject=principal.subject, roles=sorted(principal.roles))"
VAULT = dict.fromkeys(
    ("get_vault_basic", "get_vault_keys", "get_vault_both", "get_vault_tokens", "get_vault_default"), CALLER
)
VERIFIERS = {
    "verify_basic_auth": "return Caller(username, frozenset({'get-books'})) if password == 'open sesame' else None",
    "verify_header_key": "return {'k1': Caller('header-client'), 'k2': Caller('second-client', frozenset({'x'}))}.get(key)",
    "verify_query_key": "return Caller('query-client') if key == 'q1' else None",
    "verify_cookie_key": "return Caller('cookie-client') if key == 'c1' else None",
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> ConstructRepo:
    repo = ConstructRepo(tmp_path_factory.mktemp("security_schemes"), "security_schemes")
    generated = repo.generate()
    assert generated.returncode == 0, generated.stderr
    assert "security scheme basicAuth (basic): CredentialVerifiers.verify_basic_auth" in generated.stdout
    repo.implement("vault", VAULT)
    return repo


@pytest.fixture(scope="module")
def base_url(repo: ConstructRepo) -> Iterator[str]:
    refused = repo.run("-m", "app", "serve")
    assert refused.returncode == 2, refused.stderr
    assert "4 operations or pkg_ids without an implementation" in refused.stderr
    assert "auth security scheme cookieKey (apiKey): no class implements CredentialVerifiers" in refused.stderr

    verifiers = repo.implement("security", VERIFIERS, module="verifiers")

    assert verifiers.startswith('"""API keys and passwords."""')
    assert "class Verifiers(CredentialVerifiers[RequestContext]):" in verifiers
    assert (
        "async def verify_basic_auth(self, ctx: RequestContext, username: str, password: str) -> Caller | None:"
        in verifiers
    )
    with repo.serving() as url:
        yield url


def _basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def _bearer(roles: list[str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(roles, subject='token-holder')}"}


def test_basic_credentials_the_verifier_accepts_make_the_principal(base_url: str) -> None:
    answer = httpx.get(f"{base_url}/api/v1/vault/basic", headers=_basic("ann", "open sesame"))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"subject": "ann", "roles": ["get-books"]}


@pytest.mark.parametrize(
    "headers",
    [_basic("ann", "wrong"), {"Authorization": "Basic not-base64!"}, {}],
    ids=["refused", "malformed", "missing"],
)
def test_without_basic_credentials_the_verifier_accepts_the_answer_is_401_with_a_basic_challenge(
    base_url: str, headers: dict[str, str]
) -> None:
    answer = httpx.get(f"{base_url}/api/v1/vault/basic", headers=headers)

    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"] == 'Basic realm="basicAuth", charset="UTF-8"'
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("request_args", "subject"),
    [
        ({"headers": {"X-API-Key": "k1"}}, "header-client"),
        ({"params": {"api_key": "q1"}}, "query-client"),
        ({"cookies": {"session_key": "c1"}}, "cookie-client"),
    ],
    ids=["header", "query", "cookie"],
)
def test_an_api_key_is_read_where_its_scheme_says(
    base_url: str, request_args: dict[str, dict[str, str]], subject: str
) -> None:
    with httpx.Client(base_url=base_url, cookies=request_args.pop("cookies", None)) as client:
        answer = client.get("/api/v1/vault/keys", **request_args)

    assert answer.status_code == 200, answer.text
    assert answer.json()["subject"] == subject


@pytest.mark.parametrize(
    "request_args",
    [
        {},
        {"headers": {"X-API-Key": "nope"}},
        {"params": {"api_key": "nope"}},
        {"headers": {"X-API-Key": "k1"}, "params": {"api_key": "nope"}},
    ],
    ids=["none", "bad-header-key", "bad-query-key", "good-and-bad"],
)
def test_a_missing_or_refused_api_key_is_401(base_url: str, request_args: dict[str, dict[str, str]]) -> None:
    answer = httpx.get(f"{base_url}/api/v1/vault/keys", **request_args)

    assert answer.status_code == 401, answer.text
    assert "www-authenticate" not in answer.headers  # an API key has no HTTP authentication scheme


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-API-Key": "k1", **_bearer(["get-books"])}, 200),
        ({"X-API-Key": "k1"}, 401),
        (_bearer(["get-books"]), 401),
        ({"X-API-Key": "k1", **_bearer([])}, 403),
    ],
    ids=["both", "key-only", "token-only", "both-without-the-role"],
)
def test_a_requirement_naming_two_schemes_needs_both(base_url: str, headers: dict[str, str], status: int) -> None:
    answer = httpx.get(f"{base_url}/api/v1/vault/both", headers=headers)

    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.json() == {"subject": "header-client", "roles": ["get-books"]}


@pytest.mark.parametrize(
    ("roles", "status"),
    [(["get-books"], 200), (["create-book"], 200), (["get-authors"], 403)],
    ids=["oauth2-scope", "openid-connect-role", "neither"],
)
def test_oauth2_scopes_and_openid_connect_roles_are_roles_of_a_verified_token(
    base_url: str, roles: list[str], status: int
) -> None:
    answer = httpx.get(f"{base_url}/api/v1/vault/tokens", headers=_bearer(roles))

    assert answer.status_code == status, answer.text


def test_a_bad_token_for_oauth2_is_401_with_a_bearer_challenge(base_url: str) -> None:
    answer = httpx.get(f"{base_url}/api/v1/vault/tokens", headers={"Authorization": "Bearer garbage"})

    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize(("headers", "status"), [({"X-API-Key": "k2"}, 200), ({}, 401)], ids=["key", "none"])
def test_root_level_security_applies_to_an_operation_that_names_none(
    base_url: str, headers: dict[str, str], status: int
) -> None:
    answer = httpx.get(f"{base_url}/api/v1/vault/default", headers=headers)

    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.json() == {"subject": "second-client", "roles": ["x"]}
