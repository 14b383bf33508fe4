"""A document split over several files by relative `$ref`s: the service validates with the parts of every
file, and `/openapi.json` serves one self-contained document (the other files' parts copied into its
components, its own references kept as written), which a tool reading it from the service can resolve."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from openapi_spec_validator import validate

from codegen.refs import iter_refs
from tests.constructs.support import FIXTURES, ConstructRepo


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ConstructRepo]]:
    repo = ConstructRepo(tmp_path_factory.mktemp("external_refs"), "external_refs")
    generated = repo.generate()
    assert generated.returncode == 0, generated.stderr
    repo.implement("addresses", {"check_address": "return body"})
    with repo.serving() as url:
        yield url, repo


def _refs(document: Any) -> list[str]:
    return [ref for _, ref in iter_refs(document)]


def test_the_served_document_stands_alone(served: tuple[str, ConstructRepo]) -> None:
    base_url, _ = served

    document = httpx.get(f"{base_url}/openapi.json").json()

    assert all(ref.startswith("#/") for ref in _refs(document)), [r for r in _refs(document) if r[:2] != "#/"]
    validate(document)  # no base URI: every reference must resolve inside the document itself


def test_the_other_files_parts_are_copied_in_and_the_documents_own_references_kept(
    served: tuple[str, ConstructRepo],
) -> None:
    base_url, repo = served
    shared = FIXTURES / "external_refs" / "shared"
    written = yaml.safe_load(repo.spec.read_text())

    document = httpx.get(f"{base_url}/openapi.json").json()

    schemas = document["components"]["schemas"]
    address = yaml.safe_load((shared / "address.yaml").read_text())
    assert schemas["Address"] == {
        **address,
        "properties": {
            **address["properties"],
            "number": {"$ref": "#/components/schemas/Id"},
            "country": {"$ref": "#/components/schemas/Country"},
        },
    }
    assert schemas["Country"] == yaml.safe_load((shared / "country.yaml").read_text())["Country"]
    operation = document["paths"]["/api/v1/addresses"]["post"]
    assert operation["parameters"] == [{"$ref": "#/components/parameters/Verbose"}]
    assert (
        document["components"]["parameters"]["Verbose"]
        == yaml.safe_load((shared / "parameters.yaml").read_text())["Verbose"]
    )
    assert operation["requestBody"] == written["paths"]["/api/v1/addresses"]["post"]["requestBody"]
    assert document["paths"]["/api/v1/authors"] == written["paths"]["/api/v1/authors"]


def test_requests_are_validated_with_the_schemas_of_the_other_files(served: tuple[str, ConstructRepo]) -> None:
    base_url, _ = served
    address = {"street": "Rue de Rivoli", "number": 99, "country": "FR"}

    accepted = httpx.post(f"{base_url}/api/v1/addresses", params={"verbose": "true"}, json=address)
    refused = httpx.post(f"{base_url}/api/v1/addresses", json={**address, "country": "France", "number": 0})

    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == address
    assert refused.status_code == 422
    assert sorted(error["loc"] for error in refused.json()["errors"]) == [["body", "country"], ["body", "number"]]
