"""An enum parameter: the scaffolded stub's `Literal[...]` argument comes with its import (the scaffold wrote a
module that raised NameError at start-up), and the service takes only the listed values."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.constructs.support import ConstructRepo


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    repo = ConstructRepo(tmp_path_factory.mktemp("enum_parameter"), "enum_parameter")
    generated = repo.generate()
    assert generated.returncode == 0, generated.stderr
    handlers = repo.implement(
        "rankings", {"list_ranking": "return Ranking(numbers=sorted([3, 1, 2], reverse=order == 'desc'))"}
    )
    assert "from typing import Literal\n" in handlers
    assert "order: Literal['asc', 'desc']" in handlers
    with repo.serving() as url:
        yield url


@pytest.mark.parametrize(("order", "numbers"), [(None, [1, 2, 3]), ("asc", [1, 2, 3]), ("desc", [3, 2, 1])])
def test_each_listed_value_reaches_the_handler(base_url: str, order: str | None, numbers: list[int]) -> None:
    answer = httpx.get(f"{base_url}/api/v1/rankings", params={"order": order} if order else {})

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"numbers": numbers}


def test_another_value_is_a_located_422(base_url: str) -> None:
    answer = httpx.get(f"{base_url}/api/v1/rankings", params={"order": "sideways"})

    assert answer.status_code == 422
    assert [error["loc"] for error in answer.json()["errors"]] == [["query", "order"]]
