"""A run with nothing changed answers from what the last run wrote (`.cache/codegen/`), without loading the
generator; any change to the specs or to generated/ makes it a full run again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.codegen.support import ROOT, copy_repo, run_codegen, snapshot

_REPORT_GENERATOR = """
import sys
from codegen.__main__ import main
code = main(sys.argv[1:])
print("generator loaded:", "datamodel_code_generator" in sys.modules)
sys.exit(code)
"""


def _run(root: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-c", _REPORT_GENERATOR, command],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_run_with_nothing_changed_answers_without_the_generator(tmp_path: Path) -> None:
    config = copy_repo(tmp_path / "repo", "spec", "app")
    assert run_codegen(config.root, "generate").returncode == 0
    written = snapshot(config.output)

    again = _run(config.root, "generate")
    checked = _run(config.root, "check")

    assert again.returncode == 0
    assert f"already up to date: {len(written)} files" in again.stdout
    assert "generator loaded: False" in again.stdout
    assert (checked.returncode, "generator loaded: False" in checked.stdout) == (0, True)
    assert snapshot(config.output) == written


def test_a_changed_spec_is_a_full_run(tmp_path: Path) -> None:
    config = copy_repo(tmp_path / "repo", "spec", "app")
    assert run_codegen(config.root, "generate").returncode == 0
    spec = config.openapi
    spec.write_text(spec.read_text().replace("summary: Liveness", "summary: Alive"))

    again = _run(config.root, "generate")

    assert "generator loaded: True" in again.stdout
    assert "updated" in again.stdout
    assert '"summary": "Alive"' in (config.output / "openapi.json").read_text()


def test_a_hand_edit_of_generated_is_found_by_check_and_undone_by_generate(tmp_path: Path) -> None:
    config = copy_repo(tmp_path / "repo", "spec", "app")
    assert run_codegen(config.root, "generate").returncode == 0
    written = snapshot(config.output)
    permissions = config.output / "permissions.py"
    permissions.write_text(permissions.read_text() + "\n# edited by hand\n")

    checked = _run(config.root, "check")
    regenerated = _run(config.root, "generate")

    assert checked.returncode == 1
    assert "-# edited by hand" in checked.stdout  # the diff takes it out
    assert regenerated.returncode == 0
    assert snapshot(config.output) == written
