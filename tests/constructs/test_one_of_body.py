"""A request body that is a top-level `oneOf` with a discriminator: each member is accepted and reaches the
handler as its own model, and a body that matches no member is a located 422 (it answered 500 before)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.constructs.support import served_fixture


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_fixture(
        tmp_path_factory.mktemp("one_of_body"),
        "one_of_body",
        "pets",
        {"describe_pet": "return PetDescription(text=f'{type(body).__name__}: {body!r}')"},
    ) as url:
        yield url


@pytest.mark.parametrize(
    ("pet", "expected"),
    [({"kind": "cat", "lives": 7}, "Cat: Cat(kind='cat', lives=7)"), ({"kind": "dog", "good": True}, "Dog: Dog")],
    ids=["cat", "dog"],
)
def test_each_member_of_the_union_reaches_the_handler_as_its_model(
    base_url: str, pet: dict[str, object], expected: str
) -> None:
    answer = httpx.post(f"{base_url}/api/v1/pets", json=pet)

    assert answer.status_code == 200, answer.text
    assert answer.json()["text"].startswith(expected)


@pytest.mark.parametrize(
    ("pet", "location"),
    [
        ({"kind": "cat", "lives": 12}, ["body", "cat", "lives"]),
        ({"kind": "bird"}, ["body"]),
        ({"lives": 1}, ["body"]),
    ],
    ids=["member-breaks-its-schema", "unknown-discriminator", "no-discriminator"],
)
def test_a_body_no_member_accepts_is_a_located_422(base_url: str, pet: dict[str, object], location: list[str]) -> None:
    answer = httpx.post(f"{base_url}/api/v1/pets", json=pet)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [error["loc"] for error in answer.json()["errors"]] == [location]
