"""Rate limits over HTTP, from the generated policies: the budget on every response of a limited operation,
429 past it, one budget per user or client address, the stricter login policy. Each test runs on the
in-process store and on Redis.

RATE_LIMIT_SCALE shrinks the spec's policies so that a test spends a budget in a few requests: at 0.01,
`standard` allows 6 requests a minute (one back every 10 s), `write` 2 and `login` 1.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.limits.conftest import StartServer
from tests.support.tokens import bearer, mint

Clients = Callable[..., httpx.AsyncClient]
ANN = bearer()


def _user(subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(subject=subject, username=subject)}"}


def _budget(response: httpx.Response) -> tuple[int, int]:
    return int(response.headers["ratelimit-limit"]), int(response.headers["ratelimit-remaining"])


async def test_every_response_of_a_limited_operation_carries_the_budget(client_for: Clients) -> None:
    client = client_for(rate_limit_scale=0.01)

    found = await client.get("/api/v1/authors", headers=ANN)
    missing = await client.get("/api/v1/authors/999", headers=ANN)
    invalid = await client.get("/api/v1/authors/0", headers=ANN)
    anonymous = await client.get("/api/v1/authors")

    assert [(r.status_code, _budget(r)) for r in (found, missing, invalid)] == [
        (200, (6, 5)),
        (404, (6, 4)),
        (422, (6, 3)),
    ]
    assert (anonymous.status_code, _budget(anonymous)) == (401, (6, 5))  # the client address's own budget
    assert 1 <= int(found.headers["ratelimit-reset"]) <= 10


async def test_past_the_budget_the_answer_is_a_429_problem_with_retry_after(client_for: Clients) -> None:
    client = client_for(rate_limit_scale=0.01)

    answers = [await client.get("/api/v1/authors", headers=ANN) for _ in range(7)]

    assert [r.status_code for r in answers] == [200] * 6 + [429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 10  # one request comes back every 10 s
    assert _budget(refused) == (6, 0)
    assert refused.json()["detail"] == "over the 'standard' rate limit of 6 requests per 60 s"
    assert refused.json()["request_id"] == refused.headers["x-request-id"]


async def test_each_user_and_each_client_address_has_a_budget_of_its_own(client_for: Clients) -> None:
    client = client_for(rate_limit_scale=0.01)
    for _ in range(6):
        await client.get("/api/v1/authors", headers=_user("ann"))

    ann = await client.get("/api/v1/authors", headers=_user("ann"))
    ben = await client.get("/api/v1/authors", headers=_user("ben"))
    nobody = await client.get("/api/v1/authors")

    assert (ann.status_code, ben.status_code, nobody.status_code) == (429, 200, 401)


async def test_operations_naming_another_policy_spend_another_budget(client_for: Clients) -> None:
    client = client_for(rate_limit_scale=0.01)

    writes = [await client.post("/api/v1/authors", json={"name": f"A{n}"}, headers=ANN) for n in range(3)]
    read = await client.get("/api/v1/authors", headers=ANN)

    assert [r.status_code for r in writes] == [201, 201, 429]  # `write`: 2 a minute
    assert (read.status_code, _budget(read)) == (200, (6, 5))  # `standard` is untouched


async def test_logging_in_has_its_own_strict_budget_per_client_address(client_for: Clients) -> None:
    client = client_for(rate_limit_scale=0.1)  # login: 1 a minute; standard: 60
    credentials = {"username": "nobody", "password": "guess-number-one"}

    first = await client.post("/api/v1/auth/token", json=credentials)
    second = await client.post("/api/v1/auth/token", json=credentials | {"password": "guess-number-two"})
    elsewhere = await client.get("/api/v1/authors", headers=ANN)

    assert (first.status_code, second.status_code, elsewhere.status_code) == (401, 429, 200)
    assert _budget(first) == (1, 0)


async def test_unlimited_operations_carry_no_budget(client_for: Clients) -> None:
    client = client_for(rate_limit_scale=0.01)

    answers = [await client.get("/health") for _ in range(10)]

    assert {r.status_code for r in answers} == {200}
    assert all("ratelimit-limit" not in r.headers for r in answers)


async def test_a_forwarded_address_counts_only_from_a_trusted_proxy(client_for: Clients) -> None:
    untrusted = client_for(rate_limit_scale=0.01)
    trusted = client_for(rate_limit_scale=0.01, trusted_proxies="203.0.113.0/24")

    async def remaining(client: httpx.AsyncClient, forwarded_for: str) -> int:
        response = await client.get("/api/v1/authors", headers={"X-Forwarded-For": forwarded_for})
        assert response.status_code == 401
        return _budget(response)[1]

    # Not trusted: the header is ignored, every request is the proxy's own address.
    assert [await remaining(untrusted, address) for address in ("198.51.100.1", "198.51.100.2")] == [5, 4]
    # Trusted: each address behind the proxy has its own budget.
    assert [await remaining(trusted, address) for address in ("198.51.100.1", "198.51.100.2")] == [5, 5]


async def test_with_limits_switched_off_nothing_is_counted(client_for: Clients) -> None:
    client = client_for(rate_limit_scale=0.01, rate_limit_enabled=False)

    answers = [await client.get("/api/v1/authors", headers=ANN) for _ in range(10)]

    assert {r.status_code for r in answers} == {200}
    assert all("ratelimit-limit" not in r.headers for r in answers)


async def test_a_served_instance_believes_no_forwarded_address_unless_told_to(start_server: StartServer) -> None:
    """Over TCP, as served: the server's own layer does not trust X-Forwarded-For from loopback either."""
    server = start_server(rate_limit_scale=0.1)  # login: 1 a minute
    credentials = {"username": "nobody", "password": "guess-number-one"}
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        answers = [
            await http.post("/api/v1/auth/token", json=credentials, headers={"X-Forwarded-For": f"10.0.0.{n}"})
            for n in range(3)
        ]

    assert [response.status_code for response in answers] == [401, 429, 429]
