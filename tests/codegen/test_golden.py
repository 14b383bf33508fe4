"""Golden files: what codegen renders from the minimal fixture specs, byte for byte.

The fixture (`fixtures/minimal/`) holds one of each construct codegen renders; `golden/minimal/` holds what it
must render from them. A change to the templates, the readers or the pinned model generator shows up here as a
readable diff. When the change is intended, refresh the golden files and review their diff before committing:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/codegen/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil

import pytest

from tests.codegen.conftest import Rendering
from tests.codegen.support import GOLDEN, snapshot

GOLDEN_MINIMAL = GOLDEN / "minimal"
REFRESH = "UPDATE_GOLDEN=1 .venv/bin/pytest tests/codegen/test_golden.py"


def test_minimal_specs_render_exactly_the_golden_files(minimal_rendering: Rendering) -> None:
    rendered = minimal_rendering.files
    if os.environ.get("UPDATE_GOLDEN") == "1":
        _write_golden(rendered)
    golden = snapshot(GOLDEN_MINIMAL) if GOLDEN_MINIMAL.is_dir() else {}

    report = [
        *(f"missing from the rendering: {name} (golden has it)" for name in sorted(golden.keys() - rendered.keys())),
        *(f"not in the golden files: {name}" for name in sorted(rendered.keys() - golden.keys())),
        *(_diff(name, golden[name], rendered[name]) for name in sorted(golden.keys() & rendered.keys())),
    ]
    report = [entry for entry in report if entry]
    if report:
        pytest.fail(
            "codegen output differs from tests/codegen/golden/minimal/:\n\n"
            + "\n".join(report)
            + f"\nIf the change is intended: {REFRESH}, then review the golden diff.",
            pytrace=False,
        )


def test_golden_files_cover_every_kind_of_generated_file() -> None:
    """The fixture exercises what the goldens are for: both specs, both tags of each kind, models, tables."""
    assert sorted(snapshot(GOLDEN_MINIMAL)) == [
        "__init__.py",
        "_runtime.py",
        "asyncapi.json",
        "docs/ws.html",
        "openapi.json",
        "permissions.py",
        "rate_limits.py",
        "registry.py",
        "rest/__init__.py",
        "rest/_runtime.py",
        "rest/models.py",
        "rest/notes.py",
        "rest/operations.py",
        "rest/system.py",
        "security.py",
        "ws/__init__.py",
        "ws/_runtime.py",
        "ws/models.py",
        "ws/notes.py",
        "ws/protocol.py",
    ]


def _diff(name: str, golden: bytes, rendered: bytes) -> str:
    if golden == rendered:
        return ""
    old = golden.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = rendered.decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, fromfile=f"golden/minimal/{name}", tofile=f"rendered/{name}")
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    return text or f"{name}: differs in bytes that do not show in a text diff (line endings?)\n"


def _write_golden(rendered: dict[str, bytes]) -> None:
    if GOLDEN_MINIMAL.exists():
        shutil.rmtree(GOLDEN_MINIMAL)
    for name, content in rendered.items():
        path = GOLDEN_MINIMAL / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
