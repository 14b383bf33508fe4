"""`format: email`: the service starts (it died importing email-validator), accepts every address the syntax
allows, as sent, and answers anything else with a located 422."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.constructs.support import served_fixture


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_fixture(
        tmp_path_factory.mktemp("email_format"), "email_format", "contacts", {"echo_contact": "return body"}
    ) as url:
        yield url


@pytest.mark.parametrize(
    "address",
    ["ann@example.com", "Ann.Lee+books@Example.COM", '"ann lee"@example.com', "ann@[192.0.2.1]", "ann@printer.local"],
    ids=["plain", "kept-as-sent", "quoted-local-part", "address-literal", "special-use-domain"],
)
def test_an_email_address_is_accepted_as_sent(base_url: str, address: str) -> None:
    answer = httpx.post(f"{base_url}/api/v1/contacts", json={"email": address})

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"email": address}


@pytest.mark.parametrize("address", ["ann", "ann@", "@example.com", "ann..lee@example.com", "ann@exa mple.com"])
def test_what_is_not_an_email_address_is_a_located_422(base_url: str, address: str) -> None:
    answer = httpx.post(f"{base_url}/api/v1/contacts", json={"email": address})

    assert answer.status_code == 422, answer.text
    assert [error["loc"] for error in answer.json()["errors"]] == [["body", "email"]]
