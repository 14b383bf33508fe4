"""Optional authentication (`security: [{}, {bearerAuth: [...]}]`): anyone may call, but a token that is
presented is verified: a valid one makes its holder the handler's principal, an invalid one is a 401 (before,
any token was ignored, and garbage was answered 200)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.constructs.support import served_fixture
from tests.support.tokens import mint

HANDLER = "return Greeting(caller=ctx.principal.username if ctx.principal else 'anonymous')"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_fixture(
        tmp_path_factory.mktemp("optional_security"), "optional_security", "greetings", {"get_greeting": HANDLER}
    ) as url:
        yield url


def test_without_a_token_anyone_may_call(base_url: str) -> None:
    answer = httpx.get(f"{base_url}/api/v1/greeting")

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"caller": "anonymous"}


@pytest.mark.parametrize("roles", [["get-authors"], []], ids=["with-the-roles", "without-roles"])
def test_a_valid_token_makes_its_holder_the_principal(base_url: str, roles: list[str]) -> None:
    token = mint(roles, username="ann")

    answer = httpx.get(f"{base_url}/api/v1/greeting", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"caller": "ann"}


@pytest.mark.parametrize("token", ["garbage", mint(["get-authors"], ttl=-60)], ids=["garbage", "expired"])
def test_an_invalid_token_is_refused_with_401(base_url: str, token: str) -> None:
    answer = httpx.get(f"{base_url}/api/v1/greeting", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.headers["content-type"] == "application/problem+json"
