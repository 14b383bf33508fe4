"""A schema the meta-schema refuses (`type: objekt`) is reported where it is written, not at `1:1`: the
validator checks each schema on its own and gives paths relative to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.codegen.support import SpecCopy


@pytest.fixture
def specs(tmp_path: Path) -> SpecCopy:
    return SpecCopy.of_repository(tmp_path)


def test_a_misspelt_type_is_located_at_its_line(specs: SpecCopy) -> None:
    specs.edit("openapi", "    Credentials:\n      type: object\n", "    Credentials:\n      type: objekt\n")

    where = specs.where("openapi", "type: objekt", "type")
    assert specs.problems() == [f"{where}: 'objekt' is not valid under any of the given schemas"]


def test_the_same_mistake_in_two_schemas_is_located_twice(specs: SpecCopy) -> None:
    specs.edit("openapi", "    Credentials:\n      type: object\n", "    Credentials:\n      type: objekt\n")
    specs.edit("openapi", "    RefreshRequest:\n      type: object\n", "    RefreshRequest:\n      type: objekt\n")

    first = specs.where("openapi", "type: objekt", "type")
    second = specs.where("openapi", "type: objekt", "type", after="RefreshRequest:")
    assert sorted(specs.problems()) == sorted(
        f"{where}: 'objekt' is not valid under any of the given schemas" for where in (first, second)
    )
