"""Drift: generated/ is what the specs say, and `python -m codegen check` (CI's `make check-generated`) says so."""

from __future__ import annotations

from pathlib import Path

from codegen.config import load_config
from codegen.pipeline import check
from tests.codegen.support import ROOT, copy_repo, run_codegen, snapshot


def test_committed_generated_directory_is_up_to_date_with_the_specs() -> None:
    difference = check(load_config(ROOT))

    assert difference == [], "generated/ is stale; run `make generate`:\n" + "".join(difference)


def test_spec_change_shows_as_a_diff_of_exactly_the_files_it_affects(tmp_path: Path) -> None:
    config = copy_repo(tmp_path, "spec", "generated")
    openapi = config.root / "spec" / "openapi.yaml"
    openapi.write_text(
        openapi.read_text(encoding="utf-8").replace("summary: Liveness\n", "summary: Is the process alive\n", 1),
        encoding="utf-8",
    )

    difference = check(config)

    changed = sorted(line.removeprefix("--- ").strip() for line in difference if line.startswith("--- "))
    assert changed == ["generated/openapi.json", "generated/rest/operations.py"]
    removed = [line for line in difference if line.startswith("-") and not line.startswith("---")]
    added = [line for line in difference if line.startswith("+") and not line.startswith("+++")]
    assert any('"Liveness"' in line for line in removed)
    assert any('"Is the process alive"' in line for line in added)


def test_check_command_exits_1_with_the_diff_on_stdout_and_writes_nothing(tmp_path: Path) -> None:
    config = copy_repo(tmp_path, "spec", "generated")
    openapi = config.root / "spec" / "openapi.yaml"
    openapi.write_text(
        openapi.read_text(encoding="utf-8").replace("summary: Readiness\n", "summary: Ready to serve\n", 1),
        encoding="utf-8",
    )
    before = snapshot(config.output)

    result = run_codegen(config.root, "check")

    assert result.returncode == 1, result.stderr
    assert result.stdout == "".join(check(config))
    assert "+++ generated/rest/operations.py (from spec)\n" in result.stdout
    assert result.stderr.strip() == (
        "generated/ is out of date with the specs: run `make generate` and commit the result"
    )
    assert snapshot(config.output) == before
    assert not (config.root / ".generated.staging").exists()


def test_check_command_exits_0_on_this_repository() -> None:
    result = run_codegen(ROOT, "check")

    assert (result.returncode, result.stdout, result.stderr) == (0, "generated/ is up to date with the specs\n", "")
