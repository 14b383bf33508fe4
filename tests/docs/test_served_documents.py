"""What the service serves to client teams beside its API: /asyncapi.json bundled, /docs and /docs/ws from
files installed with the project, nothing from another host."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from codegen.asyncapi_reader import _asyncapi_schema_validator
from codegen.refs import iter_refs
from generated.ws.models import StatusCode
from generated.ws.protocol import MESSAGES, CloseCode
from tests.conftest import ROOT

LINKED = re.compile(r"""(?:src|href)="([^"]+)\"""")


def _spec(name: str) -> Any:
    return YAML(typ="safe").load((ROOT / "spec" / name).read_text())


def _follow(document: Any, ref: str) -> Any:
    node = document
    for step in ref.removeprefix("#/").split("/"):
        node = node[step.replace("~1", "/").replace("~0", "~")]
    return node


async def test_asyncapi_json_is_the_spec_with_every_reference_inside_the_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/asyncapi.json")
    served = response.json()

    spec = _spec("asyncapi.yaml")
    refs = [ref for _, ref in iter_refs(served)]
    assert response.headers["content-type"] == "application/json"
    assert refs
    assert all(ref.startswith("#/") for ref in refs)
    assert all(_follow(served, ref) is not None for ref in refs)
    assert list(served["operations"]) == list(spec["operations"])
    assert list(served["channels"]) == list(spec["channels"])
    assert set(spec["components"]["schemas"]) <= set(served["components"]["schemas"])
    assert list(_asyncapi_schema_validator().iter_errors(served)) == []


async def test_a_schema_taken_from_openapi_yaml_is_copied_in_as_openapi_yaml_has_it(client: httpx.AsyncClient) -> None:
    served = (await client.get("/asyncapi.json")).json()

    openapi = _spec("openapi.yaml")["components"]["schemas"]
    external = {
        ref.rpartition("/")[2] for _, ref in iter_refs(_spec("asyncapi.yaml")) if ref.startswith("./openapi.yaml#")
    }
    assert external
    for name in external:
        assert served["components"]["schemas"][name].keys() == openapi[name].keys()


async def test_docs_load_swagger_ui_from_this_service_only(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")

    linked = LINKED.findall(page.text)
    assets = [await client.get(path) for path in linked if path.startswith("/docs/assets/")]
    assert page.status_code == 200
    assert all(path.startswith("/") for path in linked), linked
    assert {"/docs/ws", "/openapi.json"} <= set(linked)
    assert len(assets) >= 3
    assert [asset.status_code for asset in assets] == [200] * len(assets)
    assert "SwaggerUIBundle" in next(asset.text for asset in assets if asset.url.path.endswith("init.js"))


async def test_an_unknown_asset_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs/assets/../openapi.json")
    unknown = await client.get("/docs/assets/nothing.js")

    assert response.status_code == 404
    assert (unknown.status_code, unknown.headers["content-type"]) == (404, "application/problem+json")


async def test_the_websocket_reference_lists_every_message_status_and_close_code(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs/ws")

    text = page.text
    assert page.status_code == 200
    assert all(path.startswith(("/", "#")) for path in LINKED.findall(text))
    assert "<script" not in text
    for pkg_id in MESSAGES:
        assert f'id="pkg-{int(pkg_id)}"' in text
        assert f"pkg_id {int(pkg_id)}</span> {pkg_id.name}" in text
    for status in StatusCode:
        assert f'<tr id="status-{int(status)}"><td>{int(status)}</td><td><code>{status.name}</code>' in text
    for close in CloseCode:
        assert f'<tr id="close-{int(close)}"><td>{int(close)}</td><td><code>{close.name}</code>' in text


@pytest.mark.parametrize("path", ["/docs", "/docs/ws"])
async def test_the_pages_tell_the_browser_to_load_nothing_from_another_host(
    client: httpx.AsyncClient, path: str
) -> None:
    policy = (await client.get(path)).headers["content-security-policy"]

    directives = dict(directive.strip().split(" ", 1) for directive in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "http" not in policy
