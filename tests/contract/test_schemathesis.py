"""schemathesis fuzzes the application in-process from spec/openapi.yaml: every check, positive and
negative data, each operation on its own and in stateful sequences that follow the spec's links."""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import ClassVar

import pytest
import schemathesis
from hypothesis import settings
from sqlalchemy import text
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db.database import Database
from app.db.tables import AuthorRecord, BookRecord
from app.main import create_app
from tests.conftest import empty_tables, settings_for
from tests.support.tokens import mint

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _config() -> schemathesis.Config:
    """schemathesis.toml, and a token with every role for the spec's bearer scheme (as `make fuzz` adds it):
    given per scheme, so that negative cases (no token, a bad one) stay negative."""
    with (ROOT / "schemathesis.toml").open("rb") as file:
        values = tomllib.load(file)
    values["auth"] = {"openapi": {"bearerAuth": {"bearer": mint()}}}
    return schemathesis.Config.from_dict(values)


schema = schemathesis.openapi.from_path(ROOT / "spec" / "openapi.yaml", config=_config())
schema.config.update(base_url="http://testserver")  # the in-process app's host, as with `from_asgi`


class CurrentApp:
    """The ASGI app schemathesis calls. Its tests are built (and the schema cloned) at import time, before
    any database exists, so this stable entry point forwards to the application of the running test."""

    app: ASGIApp | None = None
    database_url: str = ""

    def reset(self, *, seed: bool = False) -> None:
        asyncio.run(empty_tables(self.database_url))
        if seed:
            asyncio.run(_seed(self.database_url))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "no application: the `served` fixture sets it"
        await self.app(scope, receive, send)


current = CurrentApp()
schema.app = current


@pytest.fixture(autouse=True)
def served(database_url: str) -> Iterator[None]:
    """A fresh application on an empty database for each test; schemathesis drives it in-process."""
    current.database_url = database_url
    current.reset(seed=True)
    # Limits a thousand times the spec's: every response carries the rate-limit headers schemathesis checks
    # against the spec, but the few thousand requests of a run are not refused for being many.
    current.app = create_app(settings_for(database_url, rate_limit_scale=1000))
    yield
    current.app = None


async def _seed(database_url: str) -> None:
    """Author 1 with book 1: ids at the boundary the generators favour, so that many cases reach real data
    (a read, a change, a duplicate ISBN, an author who still has books) instead of a 404."""
    database = Database(database_url)
    try:
        async with database.session() as session:
            session.add(AuthorRecord(id=1, name="Seeded Author"))
            await session.flush()
            session.add(
                BookRecord(id=1, title="Seeded", isbn="9780000000000", author_id=1, publication_date=date(2000, 1, 1))
            )
            await session.commit()
        if not database.is_sqlite:  # the next id the sequences hand out must not collide with the seeds
            async with database.engine.begin() as connection:
                for table in ("authors", "books"):
                    await connection.execute(text(f"SELECT setval('{table}_id_seq', 1)"))
    finally:
        await database.dispose()


@schema.parametrize()
def test_every_operation_answers_as_its_spec_says(case: schemathesis.Case) -> None:
    case.call_and_validate()


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    """Sequences of calls chained by the spec's links; records what they did, to prove they went deep."""

    seen: ClassVar[set[tuple[str, int]]] = set()

    def setup(self) -> None:
        """Each sequence starts on an empty database, so that replaying it (shrinking) replays the same ids."""
        current.reset()

    def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
        self.seen.add((case.operation.definition.raw["operationId"], response.status_code))


def test_sequences_of_calls_follow_the_links_and_stay_consistent() -> None:
    """Create, read, change, delete, read again: the stateful checks (no use after delete, a created resource
    is available) run on the chains the links describe."""
    Workflow.seen.clear()

    # Derandomized: the sequences are the same on every run, so what they cover (asserted below) is too;
    # the per-operation tests above keep exploring at random.
    Workflow.run(settings=settings(max_examples=80, stateful_step_count=8, deadline=None, derandomize=True))

    chains = {
        ("createAuthor", 201),
        ("getAuthor", 200),
        ("updateAuthor", 200),
        ("deleteAuthor", 204),
        ("getAuthor", 404),
    }
    assert chains <= Workflow.seen, f"the state machine never made {sorted(chains - Workflow.seen)}"
