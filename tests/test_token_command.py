"""`python -m app token`: a development token for fuzzing and trying the API, signed with the service's own key,
holding the roles asked for (or every role of the catalogue); refused in production."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import jwt
import pytest

from app.__main__ import main
from app.main import create_app
from generated.permissions import Role
from tests.conftest import ROOT, settings_for
from tests.support.tokens import SIGNING_KEY_PEM


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `python -m app token ARGS` (its main(), in this process) with the test signing key and `env`."""

    def run(*args: str, **env: str) -> Result:
        monkeypatch.chdir(ROOT / "tests")  # where no .env file of the developer's is read
        for name in ("DATABASE_URL", "ENVIRONMENT", "SIGNING_KEY_FILE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in {"SIGNING_KEY": SIGNING_KEY_PEM, **env}.items():
            monkeypatch.setenv(name, value)
        returncode = main(["token", *args])
        captured = capsys.readouterr()
        return Result(returncode, captured.out, captured.err)

    return run


async def test_an_all_roles_token_is_accepted_by_the_service_with_every_role_of_the_catalogue(
    sqlite_url: str, token: Callable[..., Result]
) -> None:
    result = token("--all-roles", "--ttl", "3600", "--subject", "fuzzer")
    assert result.returncode == 0, result.stderr
    issued = result.stdout.strip()

    app = create_app(settings_for(sqlite_url))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {issued}"})
    finally:
        await app.state.services.close()

    assert me.status_code == 200, me.text
    assert me.json()["roles"] == sorted(str(role) for role in Role)
    assert me.json()["username"] == "fuzzer"
    claims = jwt.decode(issued, options={"verify_signature": False})
    assert 3590 <= claims["exp"] - int(time.time()) <= 3600


def test_a_token_holds_only_the_roles_asked_for(token: Callable[..., Result]) -> None:
    some = [str(role) for role in Role][:2]
    result = token(*[arg for role in some for arg in ("--role", role)])

    assert result.returncode == 0, result.stderr
    assert sorted(jwt.decode(result.stdout.strip(), options={"verify_signature": False})["roles"]) == sorted(some)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("--all-roles",), {"ENVIRONMENT": "production"}, "refused: ENVIRONMENT=production"),
        (("--role", "no-such-role"), {}, "unknown role no-such-role: the catalogue is"),
        (("--all-roles", "--ttl", "0"), {}, "--ttl must be between 1 and"),
    ],
)
def test_a_token_is_refused_in_production_and_for_what_the_catalogue_does_not_hold(
    token: Callable[..., Result], args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    result = token(*args, **env)

    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
