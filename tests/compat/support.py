"""Spec edits for the table-driven tests: a fixture copied twice, edited on the new side, compared.

Expected locations are found in the text by a unique context string, independently of the YAML parser the
gate uses, and asserted exactly as `file:line:col`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from codegen.compat.changes import Change
from codegen.compat.compare import compare
from codegen.compat.loader import load_side
from codegen.config import Config

SPECS = Path(__file__).parent / "specs"
BASE = "base"  # the label of the old side, as a git ref would be


@dataclass(frozen=True)
class At:
    """The spot where the last `token` inside the unique text `context` of spec/`file` starts."""

    context: str
    token: str = ""
    file: str = "openapi.yaml"


@dataclass(frozen=True)
class Edit:
    """Replace the unique text `old` by `new` in spec/`file` of the new side."""

    old: str
    new: str
    file: str = "openapi.yaml"


@dataclass(frozen=True)
class Expect:
    rule: str
    subject: str
    old: At | None
    new: At | None


@dataclass(frozen=True)
class Case:
    id: str
    edits: list[Edit]
    expect: list[Expect]
    severity: str
    version: str = "3.1"  # the OpenAPI version of the fixture
    extra: list[str] = field(default_factory=list)  # other non-info rules this edit may fire
    base_edits: list[Edit] = field(default_factory=list)  # edits made on both sides first


def fixture(root: Path, version: str) -> Config:
    """A repository layout at `root` holding the fixture specs of one OpenAPI version."""
    (root / "spec").mkdir(parents=True)
    if version == "3.1":
        shutil.copy(SPECS / "openapi.yaml", root / "spec" / "openapi.yaml")
        shutil.copy(SPECS / "asyncapi.yaml", root / "spec" / "asyncapi.yaml")
    else:
        shutil.copy(SPECS / "openapi30.yaml", root / "spec" / "openapi.yaml")
    return Config(
        root=root,
        openapi=root / "spec" / "openapi.yaml",
        asyncapi=root / "spec" / "asyncapi.yaml",
        output=root / "generated",
        handlers=root / "app" / "handlers",
        context="app.context:RequestContext",
    )


def apply(root: Path, edits: list[Edit]) -> None:
    for edit in edits:
        path = root / "spec" / edit.file
        text = path.read_text(encoding="utf-8")
        assert text.count(edit.old) == 1, f"{edit.old!r} is not unique in {edit.file}"
        path.write_text(text.replace(edit.old, edit.new), encoding="utf-8")


def run(tmp_path: Path, version: str, edits: list[Edit], base_edits: list[Edit] | None = None) -> list[Change]:
    old_config = fixture(tmp_path / "old", version)
    new_config = fixture(tmp_path / "new", version)
    apply(tmp_path / "old", base_edits or [])
    apply(tmp_path / "new", [*(base_edits or []), *edits])
    changes, problems = compare(
        load_side(tmp_path / "old", old_config, label=BASE), load_side(tmp_path / "new", new_config)
    )
    assert not problems, problems.problems()
    return changes


def position(root: Path, at: At) -> str:
    """`spec/<file>:line:col` of the spot `at` names in the side at `root`."""
    text = (root / "spec" / at.file).read_text(encoding="utf-8")
    assert text.count(at.context) == 1, f"{at.context!r} is not unique in {at.file}"
    offset = text.index(at.context) + at.context.rindex(at.token)
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"spec/{at.file}:{line}:{col}"
