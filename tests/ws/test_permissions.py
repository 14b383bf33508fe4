"""The WebSocket side of the role matrix, generated from WS_PERMISSIONS: for every request pkg_id, exactly the
roles it needs are let through, and any one missing is PERMISSION_DENIED with the request's req_id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.main import create_app
from generated.permissions import WS_PERMISSIONS
from generated.ws.models import StatusCode
from generated.ws.protocol import MESSAGES, PkgID
from tests.conftest import settings_for
from tests.support.asyncapi import example_data
from tests.support.live import LiveServer
from tests.support.tokens import ALL_ROLES, mint
from tests.support.wsclient import connected

REQUESTS = [pkg_id for pkg_id in WS_PERMISSIONS if MESSAGES[pkg_id].kind == "request"]
# Data each request message's schema accepts (from the spec): what matters here is only who may ask, so a
# reference to nothing (NOT_FOUND) or a clash with existing data (CONFLICT) is let through as much as OK.
LET_THROUGH = {StatusCode.OK, StatusCode.NOT_FOUND, StatusCode.CONFLICT}


@pytest.fixture(scope="module")
def data() -> dict[int, Any]:
    return example_data()


@pytest.fixture(scope="module")
def served(sqlite_url: str) -> Iterator[LiveServer]:
    server = LiveServer(create_app(settings_for(sqlite_url))).start()
    yield server
    server.stop()


@pytest.mark.parametrize("pkg_id", REQUESTS, ids=lambda pkg_id: PkgID(pkg_id).name)
async def test_exactly_the_required_roles_are_let_through_and_one_missing_is_denied(
    served: LiveServer, data: dict[int, Any], pkg_id: PkgID
) -> None:
    [required] = WS_PERMISSIONS[pkg_id].alternatives
    async with connected(served.ws_url, mint(required)) as allowed:
        answered = await allowed.request(pkg_id, data[pkg_id])
    assert answered["status_code"] in LET_THROUGH, answered

    for missing in required:
        async with connected(served.ws_url, mint(ALL_ROLES - {missing})) as denied:
            refused = await denied.request(pkg_id, data[pkg_id])
        assert refused["status_code"] == StatusCode.PERMISSION_DENIED
        assert missing in refused["data"]["message"]
