"""The everyday workflow, end to end on a copy of the repository: add an operation to the spec, generate,
see start-up name the missing handler, scaffold it, implement it, and serve it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from generated.registry import INTERFACES
from tests.conftest import ROOT
from tests.support.process import serving

pytestmark = [pytest.mark.slow, pytest.mark.live]

NEW_PATH = """  /api/v1/authors/{author_id}/books:
    parameters:
      - $ref: "#/components/parameters/AuthorId"
    get:
      operationId: listAuthorBooks
      tags: [authors]
      summary: The books of one author
      security:
        - bearerAuth: [get-books]
      parameters:
        - $ref: "#/components/parameters/Page"
        - $ref: "#/components/parameters/PerPage"
      responses:
        "200":
          description: One page of the author's books.
          headers:
            RateLimit-Limit: {$ref: "#/components/headers/RateLimitLimit"}
            RateLimit-Remaining: {$ref: "#/components/headers/RateLimitRemaining"}
            RateLimit-Reset: {$ref: "#/components/headers/RateLimitReset"}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/BookPage"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "422": {$ref: "#/components/responses/ValidationFailed"}
        "429": {$ref: "#/components/responses/TooManyRequests"}
        "500": {$ref: "#/components/responses/InternalError"}
        "503": {$ref: "#/components/responses/Unavailable"}

"""

IMPLEMENTATION = """        from app.db import books

        found = await books.list_books(database=ctx.database, page=page, per_page=per_page, author_id=author_id)
        return BookPage(items=[_convert.book(record) for record in found.items], meta=_convert.page_meta(found))"""


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("spec", "codegen", "generated", "app"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    for name in ("pyproject.toml", "alembic.ini"):
        shutil.copy(ROOT / name, copy / name)
    return copy


def run(repository: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment = {**inherited, "PYTHONPATH": str(repository), **env}
    return subprocess.run(
        [sys.executable, *args], cwd=repository, env=environment, capture_output=True, text=True, timeout=120
    )


def test_a_new_operation_goes_from_spec_to_served(repository: Path) -> None:
    spec = repository / "spec" / "openapi.yaml"
    spec.write_text(spec.read_text().replace("paths:\n", "paths:\n" + NEW_PATH, 1))

    generated = run(repository, "-m", "codegen", "generate")
    assert generated.returncode == 0, generated.stderr
    assert (
        "GET /api/v1/authors/{author_id}/books (listAuthorBooks): AuthorsHandlers.list_author_books" in generated.stdout
    )

    refused = run(repository, "-m", "app", "serve")
    assert refused.returncode == 2
    assert "cannot start: 1 operation or pkg_id without an implementation" in refused.stderr
    assert "GET /api/v1/authors/{author_id}/books (listAuthorBooks): app.handlers.authors.Authors" in refused.stderr

    before = (repository / "app" / "handlers" / "authors.py").read_text()
    scaffolded = run(repository, "-m", "codegen", "new-handler", "--tag", "authors")
    assert scaffolded.returncode == 0, scaffolded.stderr
    assert "app/handlers/authors.py: Authors.list_author_books" in scaffolded.stdout
    handlers = (repository / "app" / "handlers" / "authors.py").read_text()
    assert "    @unimplemented\n    async def list_author_books(" in handlers
    assert _inserted_only(before, handlers)
    assert "scaffolded" in run(repository, "-m", "app", "handlers").stdout
    stubbed = run(repository, "-m", "app", "serve")
    assert stubbed.returncode == 2  # a stub is not an implementation, and start-up says what is left to do
    assert "app.handlers.authors.Authors.list_author_books is a scaffolded stub (@unimplemented)" in stubbed.stderr
    assert "Write the bodies of the scaffolded stubs" in stubbed.stderr
    assert "make new-handler" not in stubbed.stderr

    implemented = handlers.replace("    @unimplemented\n", "").replace(
        "        raise NotImplementedError", IMPLEMENTATION
    )
    (repository / "app" / "handlers" / "authors.py").write_text(implemented)
    table = run(repository, "-m", "app", "handlers")
    served = sum(len(interface.methods) for interface in INTERFACES) + 1  # the spec's, and the new one
    assert table.stdout.rstrip().endswith(f"{served} operations and pkg_ids, 0 not implemented")

    database = f"sqlite+aiosqlite:///{repository / 'var' / 'flow.db'}"
    assert run(repository, "-m", "alembic", "upgrade", "head", DATABASE_URL=database).returncode == 0
    roles = ("--role", "create-author", "--role", "create-book", "--role", "get-books")
    created = run(
        repository,
        "-m",
        "app",
        "create-user",
        "--username",
        "ann",
        "--password",
        "correct horse",
        *roles,
        DATABASE_URL=database,
    )
    assert created.returncode == 0, created.stderr
    with serving(repository, DATABASE_URL=database) as base_url:
        login = httpx.post(f"{base_url}/api/v1/auth/token", json={"username": "ann", "password": "correct horse"})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        created = httpx.post(f"{base_url}/api/v1/authors", json={"name": "A"}, headers=headers)
        assert created.status_code == 201, created.text
        author = created.json()
        book = {"title": "B", "isbn": "9780060512750", "author_id": author["id"], "publication_date": "2001-02-03"}
        httpx.post(f"{base_url}/api/v1/books", json=book, headers=headers).raise_for_status()
        listed = httpx.get(f"{base_url}/api/v1/authors/{author['id']}/books", headers=headers)

    assert listed.status_code == 200
    assert [b["isbn"] for b in listed.json()["items"]] == ["9780060512750"]


def _inserted_only(before: str, after: str) -> bool:
    """Every line of `before` but its imports (which may be merged) is still in `after`, in the same order."""
    remaining = iter(after.splitlines())
    kept = [line for line in before.splitlines() if not line.startswith(("from ", "import "))]
    return all(any(line == candidate for candidate in remaining) for line in kept)
