"""The bundled AsyncAPI document and the WebSocket API view the clients and /docs/ws are rendered from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker

from codegen.bundle import bundle_asyncapi
from codegen.config import load_config
from codegen.pipeline import read_contract
from codegen.refs import SpecSet, iter_refs
from codegen.ws_api import WsApi, ws_api
from generated.ws.models import StatusCode
from generated.ws.protocol import MESSAGES, CloseCode
from tests.codegen.support import ROOT, SpecCopy


@pytest.fixture(scope="module")
def api() -> tuple[WsApi, dict[str, Any]]:
    config = load_config(ROOT)
    contract, specs = read_contract(config)
    bundle = bundle_asyncapi(specs, specs.load(config.asyncapi))
    return ws_api(contract, bundle), bundle.document


def _validator(schema: dict[str, Any], bundled: dict[str, Any]) -> Draft7Validator:
    """`schema` (from the bundle) with the bundle's components beside it, so that its `#/components` refs resolve."""
    return Draft7Validator({**schema, "components": bundled["components"]}, format_checker=FormatChecker())


def test_the_view_has_every_message_status_and_close_code_of_the_generated_tables(
    api: tuple[WsApi, dict[str, Any]],
) -> None:
    view, _ = api

    assert [message.pkg_id for message in view.messages] == sorted(MESSAGES)
    assert [(message.name, message.kind) for message in view.messages] == [
        (message.name, message.kind) for _, message in sorted(MESSAGES.items())
    ]
    assert [(status.code, status.name) for status in view.statuses] == [(int(s), s.name) for s in StatusCode]
    assert all(status.description for status in view.statuses)
    assert [(close.code, close.name) for close in view.close_codes] == [(int(c), c.name) for c in CloseCode]


def test_every_example_the_reference_shows_is_valid_against_its_message(api: tuple[WsApi, dict[str, Any]]) -> None:
    view, bundled = api

    for message in view.messages:
        assert list(_validator(message.payload, bundled).iter_errors(message.example)) == [], message.name
        if message.reply_payload is not None:
            assert list(_validator(message.reply_payload, bundled).iter_errors(message.reply_example)) == []


def test_a_schema_named_like_one_of_openapi_yaml_makes_the_copy_take_a_free_name(tmp_path: Path) -> None:
    spec = SpecCopy.of_repository(tmp_path / "repo")
    spec.edit("asyncapi", "  schemas:\n", "  schemas:\n    Name:\n      type: integer\n      description: Ours.\n")

    specs = SpecSet(spec.config.root)
    bundle = bundle_asyncapi(specs, specs.load(spec.config.asyncapi))

    schemas = bundle.document["components"]["schemas"]
    assert bundle.renamed == {"Name": "Name2"}
    assert schemas["Name"] == {"type": "integer", "description": "Ours."}
    assert schemas["AuthorChange"]["properties"]["name"] == {"$ref": "#/components/schemas/Name2"}
    assert schemas["Author"]["properties"]["name"] == {"$ref": "#/components/schemas/Name2"}
    assert all(ref.startswith("#/") for _, ref in iter_refs(bundle.document))
