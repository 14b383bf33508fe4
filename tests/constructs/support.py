"""A copy of this repository whose spec gains one fixture's constructs, generated, implemented and served.

Generating is not proof: each construct test adds a small fixture document (its paths, tags and components,
plus any file it refers to) to a copy of `spec/openapi.yaml`, runs codegen and the scaffold exactly as a user
would, writes the handler bodies, starts `python -m app serve` and sends real requests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT
from tests.support.process import serving
from tests.support.tokens import SIGNING_KEY_PEM

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_MERGED = ("paths", "tags")
_STUB_BODY = "        raise NotImplementedError"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


class ConstructRepo:
    """`root` holding spec/, codegen/, generated/ and app/ of this repository, the fixture added to the spec."""

    def __init__(self, root: Path, fixture: str) -> None:
        self.root = root
        for name in ("spec", "codegen", "generated", "app"):
            shutil.copytree(ROOT / name, root / name, ignore=_IGNORE)
        for name in ("pyproject.toml", "alembic.ini"):
            shutil.copy(ROOT / name, root / name)
        source = FIXTURES / fixture
        for path in source.iterdir():
            if path.name != "openapi.yaml":
                copy = shutil.copytree if path.is_dir() else shutil.copy
                copy(path, root / "spec" / path.name)
        self.spec = root / "spec" / "openapi.yaml"
        self.spec.write_text(_merged(self.spec.read_text(encoding="utf-8"), (source / "openapi.yaml").read_text()))

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        inherited = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        return subprocess.run(
            [sys.executable, *args],
            cwd=self.root,
            env={**inherited, "PYTHONPATH": str(self.root), **env},
            capture_output=True,
            text=True,
            timeout=180,
        )

    def generate(self) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "codegen", "generate")

    def implement(self, tag: str, bodies: dict[str, str], *, imports: str = "", module: str | None = None) -> str:
        """Scaffold `tag` with `make new-handler`, then give each named stub of app/handlers/<module or tag>.py
        its body; the module's text."""
        scaffolded = self.run("-m", "codegen", "new-handler", "--tag", tag)
        assert scaffolded.returncode == 0, scaffolded.stderr
        module_path = self.root / "app" / "handlers" / f"{module or tag}.py"
        text = module_path.read_text(encoding="utf-8")
        for method, body in bodies.items():
            stub = f"    @unimplemented\n    async def {method}("
            assert stub in text, f"no stub for {method} in {module_path}:\n{text}"
            start = text.index(stub)
            end = text.index(_STUB_BODY, start)
            indented = "\n".join(f"        {line}" if line else "" for line in body.strip("\n").splitlines())
            text = (
                text[:start]
                + text[start + len("    @unimplemented\n") : end]
                + indented
                + text[end + len(_STUB_BODY) :]
            )
        text = imports.strip("\n") + "\n" + text if imports else text
        module_path.write_text(text, encoding="utf-8")
        return text

    def serving(self) -> serving:
        """The service as `make run` starts it, signing tokens with the test run's key (see tests.support.tokens)."""
        database = f"sqlite+aiosqlite:///{self.root / 'var' / 'constructs.db'}"
        (self.root / "var").mkdir(exist_ok=True)
        return serving(self.root, DATABASE_URL=database, SIGNING_KEY=SIGNING_KEY_PEM)


def _merged(spec: str, fixture: str) -> str:
    """`spec` with the fixture's paths, tags and components added (a name taken twice is a fixture bug)."""
    document: dict[str, Any] = yaml.safe_load(spec)
    addition: dict[str, Any] = yaml.safe_load(fixture)
    for key in _MERGED:
        if key in addition:
            if isinstance(addition[key], list):
                document[key] = [*document.get(key, []), *addition[key]]
            else:
                _add(document.setdefault(key, {}), addition[key], key)
    for section, entries in (addition.get("components") or {}).items():
        _add(document.setdefault("components", {}).setdefault(section, {}), entries, f"components.{section}")
    for key, value in addition.items():
        if key not in (*_MERGED, "components"):
            document[key] = value
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)


def _add(target: dict[str, Any], entries: dict[str, Any], where: str) -> None:
    for name, value in entries.items():
        assert name not in target, f"the fixture's {where}.{name} is already in spec/openapi.yaml"
        target[name] = value


@contextmanager
def served_fixture(root: Path, fixture: str, tag: str, bodies: dict[str, str]) -> Iterator[str]:
    """The fixture generated, `tag`'s handlers scaffolded and given `bodies`, and served: the base URL."""
    repo = ConstructRepo(root, fixture)
    generated = repo.generate()
    assert generated.returncode == 0, generated.stderr
    repo.implement(tag, bodies)
    with repo.serving() as url:
        yield url
