"""The permission tables: generated from the specs' roles, and enforced on every secured operation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from app.main import create_app
from generated.permissions import PUBLIC, REST_PERMISSIONS, WS_PERMISSIONS, Access, Role
from generated.rest.operations import OPERATIONS, OperationId
from generated.ws.protocol import MESSAGES
from tests.conftest import AUTH, settings_for

ROOT = Path(__file__).resolve().parent.parent
OPENAPI = YAML(typ="safe").load((ROOT / "spec" / "openapi.yaml").read_text())
ASYNCAPI = YAML(typ="safe").load((ROOT / "spec" / "asyncapi.yaml").read_text())


def _spec_operations() -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for item in OPENAPI["paths"].values()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_the_role_catalogue_is_the_specs_x_roles() -> None:
    assert {str(role) for role in Role} == set(OPENAPI["x-roles"])


def test_every_operation_has_the_access_its_security_requirements_give() -> None:
    expected: dict[str, tuple[bool, set[frozenset[str]]]] = {}
    for operation_id, operation in _spec_operations().items():
        requirements = operation.get("security", OPENAPI.get("security"))
        public = not requirements or {} in requirements
        expected[operation_id] = (
            public,
            set() if public else {frozenset(next(iter(r.values()))) for r in requirements},
        )

    actual = {str(op): (access.public, set(access.alternatives)) for op, access in REST_PERMISSIONS.items()}

    assert actual == expected


def test_every_message_has_the_roles_its_x_roles_give() -> None:
    expected = {name: frozenset(operation["x-roles"]) for name, operation in ASYNCAPI["operations"].items()}

    actual = {MESSAGES[pkg_id].name: access.alternatives for pkg_id, access in WS_PERMISSIONS.items()}

    assert actual == {name: (roles,) for name, roles in expected.items()}
    assert all(not access.public for access in WS_PERMISSIONS.values())


@pytest.mark.parametrize(
    ("access", "roles", "allowed"),
    [
        (PUBLIC, set(), True),
        (Access(False, (frozenset({"a", "b"}),)), {"a", "b", "c"}, True),
        (Access(False, (frozenset({"a", "b"}),)), {"a"}, False),
        (Access(False, (frozenset({"a"}), frozenset({"b"}))), {"b"}, True),
        (Access(False, (frozenset({"a"}), frozenset({"b"}))), {"c"}, False),
        (Access(False, (frozenset(),)), set(), True),
    ],
    ids=[
        "public",
        "all-of-held",
        "all-of-missing-one",
        "alternative-held",
        "no-alternative-held",
        "authenticated-only",
    ],
)
def test_access_needs_every_role_of_one_alternative(access: Access, roles: set[str], allowed: bool) -> None:
    assert access.allows(roles) is allowed


SECURED = [op for op, access in REST_PERMISSIONS.items() if not access.public]


def _request(operation: OperationId) -> tuple[str, str, dict[str, Any]]:
    info = OPERATIONS[operation]
    path = re.sub(r"\{[^}]+\}", "1", info.path)
    return info.method, path, {"json": {}} if info.method in {"POST", "PATCH", "PUT"} else {}


async def _call(database_url: str, roles: set[str], operation: OperationId) -> httpx.Response:
    app = create_app(settings_for(database_url, dev_auth_roles=",".join(sorted(roles))))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=AUTH) as client:
            method, path, kwargs = _request(operation)
            return await client.request(method, path, **kwargs)
    finally:
        await app.state.services.close()


@pytest.mark.parametrize("operation", SECURED, ids=str)
async def test_exactly_the_required_roles_are_let_through(sqlite_url: str, operation: OperationId) -> None:
    for required in REST_PERMISSIONS[operation].alternatives:
        response = await _call(sqlite_url, set(required), operation)

        assert response.status_code not in {401, 403}, response.text


@pytest.mark.parametrize("operation", SECURED, ids=str)
async def test_one_missing_role_is_a_403_problem(sqlite_url: str, operation: OperationId) -> None:
    every_role = {str(role) for role in Role}
    for required in REST_PERMISSIONS[operation].alternatives:
        for missing in required:
            response = await _call(sqlite_url, every_role - {missing}, operation)

            assert response.status_code == 403
            assert response.headers["content-type"] == "application/problem+json"
            assert missing in response.json()["detail"]


async def test_without_the_development_token_setting_no_token_opens_a_secured_operation(sqlite_url: str) -> None:
    app = create_app(settings_for(sqlite_url, dev_auth_token=None))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=AUTH) as client:
            responses = [await client.request(*_request(op)[:2]) for op in SECURED]
    finally:
        await app.state.services.close()

    assert {response.status_code for response in responses} == {401}
