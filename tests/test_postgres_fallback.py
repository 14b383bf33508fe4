"""`make test` on a fresh machine: with no PostgreSQL answering at the default address but the binaries
installed, the suite starts a throwaway server of its own, and removes it afterwards."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import migrate
from tests.support import postgres
from tests.support.postgres import PostgresUnavailable, answers, postgres_server, scratch_database

needs_binaries = pytest.mark.skipif(
    not (shutil.which("pg_ctl") or shutil.which("pg_config")), reason="the PostgreSQL binaries are not installed"
)


@needs_binaries
def test_nothing_answering_at_the_default_address_starts_a_throwaway_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setattr(postgres, "DEFAULT_URL", "postgresql+asyncpg://postgres@127.0.0.1:9/test")

    with postgres_server() as server:
        assert server != postgres.DEFAULT_URL
        with scratch_database(server) as database:
            migrate(database)
            assert answers(database)

    assert not answers(server)


def test_an_explicit_test_database_url_that_does_not_answer_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:9/test")

    with pytest.raises(PostgresUnavailable, match="does not answer"), postgres_server():
        pass
