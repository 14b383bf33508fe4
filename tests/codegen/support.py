"""What the codegen tests share: repository layouts in temporary directories, spec edits, located positions.

Codegen reads `spec/` and writes `generated/` relative to a root, so every test works on its own root: a copy of
this repository's files it needs (`copy_repo`) or the minimal fixture specs (`minimal_root`). Tests that expect
an error edit a copy of a spec as text and compute where the error must point from the edited text itself
(`SpecCopy.where`), so that the expected `file:line:col` follows the specs as they change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from codegen.config import Config, load_config
from codegen.errors import SpecError
from codegen.pipeline import generate

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"

# Ruff settings for a root that is not this repository: those of pyproject.toml that shape generated code.
MINIMAL_PYPROJECT = """\
[tool.ruff]
line-length = 120
target-version = "py311"

[tool.ruff.lint.isort]
known-first-party = ["generated"]
"""

_CACHES = shutil.ignore_patterns("__pycache__", "*.pyc")


def minimal_root(root: Path, fixture: str = "minimal") -> Config:
    """`root` laid out as a repository holding the fixture specs under spec/ (nothing generated yet)."""
    (root / "spec").mkdir(parents=True)
    for name in ("openapi.yaml", "asyncapi.yaml"):
        shutil.copyfile(FIXTURES / fixture / name, root / "spec" / name)
    (root / "pyproject.toml").write_text(MINIMAL_PYPROJECT, encoding="utf-8")
    return load_config(root)


def copy_repo(root: Path, *parts: str) -> Config:
    """`root` holding copies of this repository's pyproject.toml and `parts` (spec, generated, app, ...)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "pyproject.toml", root / "pyproject.toml")
    for part in parts:
        shutil.copytree(ROOT / part, root / part, ignore=_CACHES)
    return load_config(root)


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` (caches aside), by relative path, as bytes."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def run_codegen(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m codegen ARGS` run from `root`, as `make` runs it (codegen itself comes from this repository)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )


def run_python(root: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter that imports `app` and `generated` from `root`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=False)


@dataclass
class SpecCopy:
    """The specs of one test, in a temporary repository layout, edited as text."""

    config: Config

    @classmethod
    def of_repository(cls, root: Path) -> SpecCopy:
        return cls(copy_repo(root, "spec"))

    def path(self, spec: str) -> Path:
        return self.config.root / "spec" / f"{spec}.yaml"

    def text(self, spec: str) -> str:
        return self.path(spec).read_text(encoding="utf-8")

    def edit(self, spec: str, old: str, new: str, *, count: int = 1) -> None:
        """Replace `old` with `new` in spec/<spec>.yaml: `count` times, or every time when count is -1."""
        text = self.text(spec)
        found = text.count(old)
        assert found >= max(count, 1), f"{old!r} occurs {found} times in spec/{spec}.yaml"
        self.path(spec).write_text(text.replace(old, new, count), encoding="utf-8")

    def where(self, spec: str, marker: str, column_at: str | None = None, *, after: str | None = None) -> str:
        """`spec/<spec>.yaml:line:col` of the first line holding `marker` (below the line holding `after`).

        The column is that of `column_at` in that line (of `marker` itself by default), counted from 1.
        """
        lines = self.text(spec).splitlines()
        start = 0
        if after is not None:
            start = next(number for number, line in enumerate(lines) if after in line)
        number = next(number for number in range(start, len(lines)) if marker in lines[number])
        column = lines[number].index(column_at or marker)
        return f"spec/{spec}.yaml:{number + 1}:{column + 1}"

    def roles(self) -> str:
        """The role catalogue of the OpenAPI spec, as codegen lists it in its messages."""
        return ", ".join(YAML(typ="safe", pure=True).load(self.text("openapi"))["x-roles"])

    def problems(self) -> list[str]:
        """What `generate` reports about these specs, one line each; asserts that nothing was written."""
        try:
            generate(self.config)
        except SpecError as exc:
            assert not self.config.output.exists(), "generate wrote output from broken specs"
            return [str(problem) for problem in exc.problems]
        raise AssertionError("generate accepted the specs")
