"""The permission tables: generated from the specs' roles, and enforced on every secured operation."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from app.main import create_app
from generated.permissions import PUBLIC, REST_PERMISSIONS, WS_PERMISSIONS, Access, Role
from generated.rest.operations import OPERATIONS, OperationId
from generated.ws.protocol import MESSAGES
from tests.conftest import empty_tables, settings_for
from tests.support.tokens import ALL_ROLES, bearer

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
    expected: dict[str, tuple[bool, bool, set[frozenset[str]]]] = {}
    for operation_id, operation in _spec_operations().items():
        requirements = operation.get("security", OPENAPI.get("security"))
        public, optional = not requirements, {} in (requirements or [])
        expected[operation_id] = (
            public,
            optional,
            set() if public or optional else {frozenset(next(iter(r.values()))) for r in requirements},
        )

    actual = {
        str(op): (access.public, access.optional, set(access.alternatives)) for op, access in REST_PERMISSIONS.items()
    }

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
        (Access(False, optional=True), set(), True),
    ],
    ids=[
        "public",
        "all-of-held",
        "all-of-missing-one",
        "alternative-held",
        "no-alternative-held",
        "authenticated-only",
        "optional",
    ],
)
def test_access_needs_every_role_of_one_alternative(access: Access, roles: set[str], allowed: bool) -> None:
    assert access.allows(roles) is allowed


SECURED = [op for op, access in REST_PERMISSIONS.items() if not access.public]
WITH_ROLES = [op for op in SECURED if any(REST_PERMISSIONS[op].alternatives)]


def _request(operation: OperationId) -> tuple[str, str, dict[str, Any]]:
    info = OPERATIONS[operation]
    path = re.sub(r"\{[^}]+\}", "1", info.path)
    return info.method, path, {"json": {}} if info.method in {"POST", "PATCH", "PUT"} else {}


async def _call(client: httpx.AsyncClient, roles: set[str], operation: OperationId) -> httpx.Response:
    method, path, kwargs = _request(operation)
    return await client.request(method, path, headers=bearer(roles), **kwargs)


@pytest.fixture
async def client(sqlite_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """One application for the whole matrix, on an empty database; each request carries a token with the roles
    under test."""
    await empty_tables(sqlite_url)
    app = create_app(settings_for(sqlite_url))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http
    await app.state.services.close()


def _answer_once_let_through(operation: OperationId) -> int:
    """What an empty database answers the request `_request` builds: lists 200, a missing id 404, `{}` as a
    new resource 422 (required fields missing), `{}` as a change of a missing resource 404."""
    info = OPERATIONS[operation]
    if info.method == "POST":
        return 422
    return 200 if info.method == "GET" and "{" not in info.path else 404


@pytest.mark.parametrize("operation", SECURED, ids=str)
async def test_exactly_the_required_roles_are_let_through(client: httpx.AsyncClient, operation: OperationId) -> None:
    for required in REST_PERMISSIONS[operation].alternatives:
        response = await _call(client, set(required), operation)

        assert response.status_code == _answer_once_let_through(operation), response.text


@pytest.mark.parametrize("operation", WITH_ROLES, ids=str)
async def test_one_missing_role_is_a_403_problem(client: httpx.AsyncClient, operation: OperationId) -> None:
    for required in REST_PERMISSIONS[operation].alternatives:
        for missing in required:
            response = await _call(client, set(ALL_ROLES - {missing}), operation)

            assert response.status_code == 403
            assert response.headers["content-type"] == "application/problem+json"
            assert missing in response.json()["detail"]


@pytest.mark.parametrize("operation", SECURED, ids=str)
async def test_no_token_is_a_401_on_every_secured_operation(client: httpx.AsyncClient, operation: OperationId) -> None:
    method, path, kwargs = _request(operation)

    response = await client.request(method, path, **kwargs)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
