"""Scaffolding (`make new-handler`): codegen adds what app/handlers lacks, and never rewrites what is there.

Each test works on a copy of this repository's spec/, generated/ and app/, so the scaffold meets real handler
modules; the application is imported only in a fresh interpreter, from the copy.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.config import Config
from codegen.pipeline import read_contract
from codegen.scaffold import ScaffoldError, scaffold, unimplemented_summary
from tests.codegen.support import copy_repo, run_codegen, run_python, snapshot

# A system handler module missing get_readiness, with code after the class that must stay after it.
SYSTEM_WITHOUT_READINESS = '''\
"""Liveness only, for now."""

from __future__ import annotations

from app.context import RequestContext
from generated.rest.models import Health
from generated.rest.system import SystemHandlers


class System(SystemHandlers[RequestContext]):
    async def get_health(self, ctx: RequestContext) -> Health:
        return Health(status="ok")  # a comment the scaffold keeps


def helper() -> int:
    """Code after the class stays after the new methods."""
    return 1
'''

# Which interfaces the handler classes of the copy leave incomplete, as the service's start-up sees them.
_INCOMPLETE_BINDINGS = """
from app.handlers import handler_classes
from generated.registry import inspect_bindings
for binding in inspect_bindings(handler_classes()):
    if not binding.complete:
        implementation = binding.implementation.__name__ if binding.implementation else None
        print(binding.interface.base.__name__, implementation, *(method.name for method in binding.missing))
"""


@pytest.fixture
def repo(tmp_path: Path) -> Config:
    return copy_repo(tmp_path, "spec", "generated", "app")


def test_missing_module_is_created_with_a_class_of_unimplemented_methods(repo: Config) -> None:
    (repo.handlers / "books.py").unlink()
    contract, _ = read_contract(repo)

    changes = scaffold(repo, contract)

    operations = [op.method_name for op in contract.rest if op.tag == "books"]
    assert changes[0] == "app/handlers/books.py: new class Books.list_books  (GET /api/v1/books (listBooks))"
    assert len(changes) == len(operations)
    module = ast.parse((repo.handlers / "books.py").read_text(encoding="utf-8"))
    (books,) = [node for node in module.body if isinstance(node, ast.ClassDef)]
    assert ast.unparse(books.bases[0]) == "BooksHandlers[RequestContext]"
    methods = [node for node in books.body if isinstance(node, ast.AsyncFunctionDef)]
    assert [method.name for method in methods] == operations
    assert all([ast.unparse(d) for d in method.decorator_list] == ["unimplemented"] for method in methods)
    # It imports cleanly, subclasses the interface, and the registry counts every stub as missing.
    result = run_python(repo.root, _INCOMPLETE_BINDINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "BooksHandlers Books " + " ".join(method.name for method in methods),
    ]


def test_new_module_passes_the_project_linter_and_formatter(repo: Config) -> None:
    (repo.handlers / "books.py").unlink()
    contract, _ = read_contract(repo)
    scaffold(repo, contract)

    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "app/handlers/books.py"],
            cwd=repo.root,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_missing_methods_are_appended_to_the_class_and_existing_code_is_kept(repo: Config) -> None:
    system = repo.handlers / "system.py"
    system.write_text(SYSTEM_WITHOUT_READINESS, encoding="utf-8")
    contract, _ = read_contract(repo)

    changes = scaffold(repo, contract, "system")

    assert changes == ["app/handlers/system.py: System.get_readiness  (GET /ready (getReadiness))"]
    text = system.read_text(encoding="utf-8")
    # Outside the import block, the only change is the new method, right after the class's last line.
    old = _without_imports(SYSTEM_WITHOUT_READINESS)
    end_of_class = old.index('        return Health(status="ok")  # a comment the scaffold keeps') + 1
    assert _without_imports(text) == [
        *old[:end_of_class],
        "",
        "    @unimplemented",
        "    async def get_readiness(self, ctx: RequestContext) -> Readiness:",
        '        """GET /ready (getReadiness). Roles: public."""',
        "        raise NotImplementedError",
        *old[end_of_class:],
    ]
    # The names the new method needs are imported; none of the old imports is lost.
    assert _imported(text) == _imported(SYSTEM_WITHOUT_READINESS) | {"Readiness", "unimplemented"}
    result = run_python(repo.root, _INCOMPLETE_BINDINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["SystemHandlers System get_readiness"]


def test_nothing_missing_scaffolds_nothing_and_touches_no_file(repo: Config) -> None:
    before = snapshot(repo.handlers)

    result = run_codegen(repo.root, "new-handler")

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "nothing to scaffold: every operation and pkg_id has a handler method\n"
    assert snapshot(repo.handlers) == before


def test_unknown_tag_is_refused(repo: Config) -> None:
    contract, _ = read_contract(repo)

    with pytest.raises(ScaffoldError, match=r"^no tag 'bookz' in the specs$"):
        scaffold(repo, contract, "bookz")


def test_a_handler_module_that_does_not_parse_is_reported_not_a_crash(repo: Config) -> None:
    module = repo.handlers / "books.py"
    module.write_text(module.read_text().replace("class Books(", "class Books(((", 1))
    contract, _ = read_contract(repo)

    with pytest.raises(ScaffoldError, match=r"books\.py:\d+: .*; fix it before scaffolding into it"):
        scaffold(repo, contract, "books")


def test_summary_lists_methods_missing_or_still_marked_unimplemented(repo: Config) -> None:
    marked = SYSTEM_WITHOUT_READINESS.replace(
        "    async def get_health", "    @unimplemented\n    async def get_health"
    ).replace("from app.context", "from generated._runtime import unimplemented\nfrom app.context")
    (repo.handlers / "system.py").write_text(marked, encoding="utf-8")
    contract, _ = read_contract(repo)

    assert unimplemented_summary(repo, contract) == [
        "GET /health (getHealth): SystemHandlers.get_health",
        "GET /ready (getReadiness): SystemHandlers.get_readiness",
    ]


def test_summary_is_empty_when_every_method_is_implemented(repo: Config) -> None:
    contract, _ = read_contract(repo)

    assert unimplemented_summary(repo, contract) == []


def _without_imports(text: str) -> list[str]:
    tree = ast.parse(text)
    import_lines = {
        number
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for number in range(node.lineno, (node.end_lineno or node.lineno) + 1)
    }
    return [line for number, line in enumerate(text.splitlines(), start=1) if number not in import_lines]


def _imported(text: str) -> set[str]:
    return {
        alias.asname or alias.name
        for node in ast.parse(text).body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
