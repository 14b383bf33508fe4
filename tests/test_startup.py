"""The service fails at start-up, not per request: every operation and pkg_id must be bound to an implemented
handler method, and the settings must make sense. `make handlers` shows how everything is bound."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from app.handlers import handler_classes
from app.handlers.authors import Authors
from app.handlers.books import Books
from app.main import create_app
from app.settings import Settings
from generated._runtime import unimplemented
from generated.registry import INTERFACES, Interface, UnboundHandlersError, bind, inspect_bindings
from generated.rest.authors import AuthorsHandlers
from generated.rest.books import BooksHandlers
from tests.conftest import ROOT, settings_for


def test_the_application_implements_every_operation_and_pkg_id() -> None:
    bindings = inspect_bindings(handler_classes())

    assert [binding.missing for binding in bindings] == [()] * len(INTERFACES)
    assert {binding.implementation for binding in bindings} == set(handler_classes())  # each binds one interface


def _interface(base: type) -> Interface:
    return next(interface for interface in INTERFACES if interface.base is base)


def test_start_up_refuses_with_one_error_naming_every_missing_method() -> None:
    class HalfBooks(BooksHandlers[object]):  # implements two of the five book operations
        list_books = Books.list_books
        get_book = Books.get_book

    others = [cls for cls in handler_classes() if cls not in (Books, Authors)]
    with pytest.raises(UnboundHandlersError) as refused:
        bind([*others, HalfBooks])

    message = str(refused.value)
    missing_count = 3 + len(_interface(AuthorsHandlers).methods)
    assert message.startswith(f"cannot start: {missing_count} operations or pkg_ids without an implementation")
    for missing in ("createBook", "updateBook", "deleteBook"):
        assert f"({missing}): tests.test_startup" in message
    assert message.count("HalfBooks does not implement it") == 3
    for missing in ("listAuthors", "createAuthor", "getAuthor", "updateAuthor", "deleteAuthor"):
        assert f"({missing}): no class implements AuthorsHandlers" in message
    assert "make new-handler" in message


def test_a_scaffolded_or_synchronous_method_is_not_an_implementation() -> None:
    class Scaffolded(Books):
        @unimplemented
        async def get_book(self, ctx: object, *, book_id: int) -> object:
            raise NotImplementedError

    class Synchronous(Books):
        def delete_book(self, ctx: object, *, book_id: int) -> None:  # type: ignore[override]
            pass

    for cls, missing in ((Scaffolded, "get_book"), (Synchronous, "delete_book")):
        binding = next(b for b in inspect_bindings([cls]) if b.interface.base is BooksHandlers)
        assert [method.name for method in binding.missing] == [missing]


def test_two_classes_implementing_one_interface_are_refused() -> None:
    class OtherBooks(Books):
        pass

    with pytest.raises(UnboundHandlersError, match="several classes implement BooksHandlers"):
        bind([*handler_classes(), OtherBooks])


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/app", "postgresql+asyncpg://u:p@db:5432/app"),
        ("postgres://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
        ("postgresql+asyncpg://u@db/app", "postgresql+asyncpg://u@db/app"),
    ],
)
def test_database_urls_are_normalised_to_the_async_drivers(given: str, expected: str) -> None:
    assert Settings(_env_file=None, database_url=given).database_url == expected  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("database_url", "mysql://root@db/app", "DATABASE_URL must look like"),
        ("database_url", "not a url", "DATABASE_URL must look like"),
        ("access_token_ttl", 5, "greater than or equal to 30"),
        ("log_level", "LOUD", "Input should be"),
    ],
)
def test_invalid_settings_are_refused_with_the_reason(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, **{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"signing_key": "not a PEM key"}, "the signing key cannot be used"),
        ({"signing_key": None, "signing_key_file": "/nonexistent/key.pem"}, "the signing key cannot be used"),
    ],
)
def test_an_unusable_signing_key_stops_start_up(sqlite_url: str, overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create_app(settings_for(sqlite_url, **overrides))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"environment": "production"}, "in production SIGNING_KEY or SIGNING_KEY_FILE is required"),
        ({"auth_jwks_url": "https://idp/jwks"}, "missing AUTH_ISSUER, AUTH_AUDIENCE"),
        ({"auth_jwks_url": "file:///etc/passwd", "auth_issuer": "i", "auth_audience": "a"}, "must be an http"),
        (
            {
                "environment": "production",
                "signing_key_file": "/k.pem",
                "auth_jwks_url": "http://idp/certs",
                "auth_issuer": "i",
                "auth_audience": "a",
            },
            "in production AUTH_JWKS_URL must be https",
        ),
        ({"auth_jwks_refetch_interval": 0}, "greater than or equal to 0.5"),
        ({"redis_url": "localhost:6379"}, "REDIS_URL must look like redis://host:6379/0"),
        ({"trusted_proxies": "10.0.0.1, proxy.internal"}, "'proxy.internal' is not an IP address or CIDR range"),
        ({"rate_limit_fail": "sometimes"}, "Input should be 'open' or 'closed'"),
        ({"rate_limit_scale": 0}, "greater than 0"),
    ],
)
def test_inconsistent_or_invalid_settings_are_refused(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, **values)  # type: ignore[arg-type]


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_with_an_invalid_setting_exits_with_the_reason_and_no_traceback() -> None:
    result = _run("serve", "--port", "1", DATABASE_URL="mysql://root@db/app")

    assert result.returncode == 2
    assert "invalid setting DATABASE_URL: Value error, DATABASE_URL must look like" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_handlers_table_shows_every_operation_and_pkg_id_bound() -> None:
    result = _run("handlers")

    assert result.returncode == 0
    rows = [line.split() for line in result.stdout.splitlines()[1:] if line.startswith(("rest", "ws"))]
    assert len(rows) == sum(len(interface.methods) for interface in INTERFACES)
    assert {row[-1] for row in rows} == {"implemented"}
    assert [
        "rest",
        "GET",
        "/api/v1/authors/{author_id}",
        "(getAuthor)",
        "get-authors",
        "app.handlers.authors.Authors.get_author",
        "implemented",
    ] in rows
    assert ["ws", "pkg_id", "2", "GET_PAGINATED_AUTHORS", "(getPaginatedAuthors)", "get-authors"] in [
        row[:6] for row in rows
    ]
    assert result.stdout.rstrip().endswith(f"{len(rows)} operations and pkg_ids, 0 not implemented")
