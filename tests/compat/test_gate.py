"""`make check-compat` end to end, on a git repository made in the test: release, break, fail naming the break,
bump the major version (or accept the break in the allowlist), pass."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from codegen.compat.cli import main
from codegen.compat.policy import major_bumped
from tests.compat.support import SPECS

ROOT = Path(__file__).resolve().parents[2]
AUTHOR = "    Author:\n      type: object\n      required: [id, name]\n      properties:\n        id: {type: integer}\n        name: {type: string}\n"
AUTHOR_WITHOUT_NAME = (
    "    Author:\n      type: object\n      required: [id]\n      properties:\n        id: {type: integer}\n"
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def check_compat(repo: Path, *args: str) -> tuple[int, str]:
    """`make check-compat` as a developer runs it, pointed at `repo`."""
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "check-compat", f"repo={repo}", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def edit(repo: Path, file: str, old: str, new: str) -> None:
    path = repo / "spec" / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(repo: Path, file: str, context: str, token: str) -> str:
    text = (repo / "spec" / file).read_text(encoding="utf-8")
    offset = text.index(context) + context.rindex(token)
    return f"{text.count(chr(10), 0, offset) + 1}:{offset - text.rfind(chr(10), 0, offset)}"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository holding the fixture specs, released as v1.4.0."""
    (tmp_path / "spec").mkdir()
    shutil.copy(SPECS / "openapi.yaml", tmp_path / "spec" / "openapi.yaml")
    shutil.copy(SPECS / "asyncapi.yaml", tmp_path / "spec" / "asyncapi.yaml")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "test@example.com")
    git(tmp_path, "config", "user.name", "test")
    git(tmp_path, "add", "spec")
    git(tmp_path, "commit", "-q", "-m", "first release")
    git(tmp_path, "tag", "v1.4.0")
    return tmp_path


def test_a_break_fails_the_gate_until_both_documents_get_a_new_major_version(repo: Path) -> None:
    where = line_of(repo, "openapi.yaml", AUTHOR, "name:")
    edit(repo, "openapi.yaml", AUTHOR, AUTHOR_WITHOUT_NAME)
    git(repo, "commit", "-q", "-am", "drop Author.name")

    code, report = check_compat(repo)
    assert code != 0, report
    assert "spec/ at v1.4.0 (the last release tag, v1.4.0)" in report
    block = re.search(r"error\s+response-required-property-removed\s+GET /authors/\{author_id\}\n(.*\n){3}", report)
    assert block is not None, report
    assert f"was: v1.4.0:spec/openapi.yaml:{where}" in block.group(0)
    assert "breaks: clients that read it find it missing" in block.group(0)
    assert "WS GET_AUTHOR (pkg_id 1)" in report  # the reply shares the schema
    assert "openapi: info.version 1.4.0 -> 1.4.0 keeps its major version." in report

    edit(repo, "openapi.yaml", 'version: "1.4.0"', 'version: "2.0.0"')
    code, report = check_compat(repo)
    assert code != 0, report  # the WebSocket API broke too, and kept its version
    assert "asyncapi: info.version 1.4.0 -> 1.4.0 keeps its major version." in report
    assert "openapi: info.version" not in report.split("FAILED")[1]

    edit(repo, "asyncapi.yaml", 'version: "1.4.0"', 'version: "2.0.0"')
    code, report = check_compat(repo)
    assert code == 0, report
    assert "accepted: openapi info.version 1.4.0 -> 2.0.0 is a new major version" in report
    assert report.rstrip().endswith("check-compat: passed")


def test_a_reviewed_allowlist_entry_accepts_the_break(repo: Path) -> None:
    edit(repo, "asyncapi.yaml", "x-roles: [write]", "x-roles: [write, admin]")
    code, report = check_compat(repo)
    assert code != 0, report
    assert "ws-message-role-added  WS CREATE_AUTHOR (pkg_id 2)" in report

    (repo / "spec" / "compat-allowlist.yaml").write_text(
        "accepted:\n"
        "  - rule: ws-message-role-added\n"
        '    location: "WS CREATE_AUTHOR (pkg_id 2)"\n'
        "    reason: Only the admin console sends it; agreed with its team.\n",
        encoding="utf-8",
    )
    code, report = check_compat(repo)
    assert code == 0, report
    assert "accepted by spec/compat-allowlist.yaml: Only the admin console sends it; agreed with its team." in report


def test_an_allowlist_entry_that_matches_nothing_is_reported(repo: Path) -> None:
    (repo / "spec" / "compat-allowlist.yaml").write_text(
        "accepted:\n  - rule: ws-message-role-added\n    location: GET /authors\n    reason: released since\n",
        encoding="utf-8",
    )
    code, report = check_compat(repo)
    assert code == 0, report
    assert (
        "warning: spec/compat-allowlist.yaml:2:5: the allowlist entry ws-message-role-added at GET /authors "
        "matches no change" in report
    )


def test_an_allowlist_entry_for_an_unknown_rule_is_a_located_error(repo: Path) -> None:
    (repo / "spec" / "compat-allowlist.yaml").write_text(
        "accepted:\n  - rule: no-such-rule\n    location: GET /authors\n    reason: typo\n", encoding="utf-8"
    )
    code, report = check_compat(repo)
    assert code != 0, report
    assert "spec/compat-allowlist.yaml:2:5: unknown rule 'no-such-rule'" in report


def test_safe_additions_pass_and_are_listed(repo: Path) -> None:
    edit(
        repo,
        "openapi.yaml",
        "        id: {type: integer}\n        name: {type: string}\n",
        "        id: {type: integer}\n        name: {type: string}\n        country: {type: string}\n",
    )
    code, report = check_compat(repo)
    assert code == 0, report
    assert "info    response-optional-property-added  GET /authors/{author_id}" in report
    assert "0 breaking, 0 warnings" in report


def test_warnings_never_fail(repo: Path) -> None:
    edit(repo, "asyncapi.yaml", "x-max-connections-per-user: 5", "x-max-connections-per-user: 2")
    code, report = check_compat(repo)
    assert code == 0, report
    assert "warning ws-max-connections-lowered  WS channel web" in report


def test_without_a_tag_the_first_parent_is_the_base(repo: Path) -> None:
    git(repo, "tag", "-d", "v1.4.0")
    edit(
        repo,
        "openapi.yaml",
        "        - bearerAuth: [read]\n      parameters:",
        "        - bearerAuth: [read, admin]\n      parameters:",
    )
    git(repo, "commit", "-q", "-am", "GET /authors needs admin")
    code, report = check_compat(repo)
    assert code != 0, report
    assert "spec/ at HEAD^1 (no v* tag: the first parent of HEAD)" in report
    assert "api-security-scope-added  GET /authors" in report


def test_a_repository_of_one_commit_compares_the_working_tree_with_it(repo: Path) -> None:
    git(repo, "tag", "-d", "v1.4.0")
    code, report = check_compat(repo)
    assert code == 0, report
    assert "spec/ at HEAD (no v* tag and HEAD has no parent: the last commit)" in report


def test_an_explicit_base_and_an_unknown_one(repo: Path) -> None:
    code, report = check_compat(repo, "base=v1.4.0")
    assert code == 0, report
    code, report = check_compat(repo, "base=v9.9.9")
    assert code != 0, report
    assert "check-compat: git rev-parse" in report


def test_exit_status_tells_a_break_from_a_comparison_that_could_not_be_made(repo: Path) -> None:
    assert main(["--repo", str(repo)], out=io.StringIO()) == 0
    edit(repo, "asyncapi.yaml", "x-roles: [write]", "x-roles: [write, admin]")
    assert main(["--repo", str(repo)], out=io.StringIO()) == 1
    edit(repo, "asyncapi.yaml", "x-roles: [write, admin]", "x-roles: [write, admin")
    out = io.StringIO()
    assert main(["--repo", str(repo)], out=out) == 2
    assert "check-compat: the specs cannot be compared:\nspec/asyncapi.yaml:" in out.getvalue()


@pytest.mark.parametrize(
    ("before", "after", "bumped"),
    [
        ("1.4.0", "2.0.0", True),
        ("0.1.0", "1.0.0", True),
        ("1.4.0", "1.5.0", False),
        ("0.1.0", "0.2.0", False),
        ("v2", "v3.0.0-rc.1", True),
        ("2.0.0", "1.9.0", False),
        (None, "1.0.0", False),
        ("draft", "1.0.0", False),
    ],
)
def test_what_counts_as_a_new_major_version(before: str | None, after: str | None, bumped: bool) -> None:
    assert major_bumped(before, after) is bumped


def test_a_deleted_spec_file_removes_everything_in_it(repo: Path) -> None:
    (repo / "spec" / "asyncapi.yaml").unlink()
    code, report = check_compat(repo)
    assert code != 0, report
    assert "error   ws-message-removed  WS GET_AUTHOR (pkg_id 1)" in report


def test_a_base_whose_spec_does_not_parse_is_located_in_that_version(repo: Path) -> None:
    edit(repo, "openapi.yaml", "x-roles:\n", "x-roles: [\n")
    git(repo, "commit", "-q", "-am", "broken")
    git(repo, "tag", "v1.5.0")
    code, report = check_compat(repo)
    assert code != 0, report
    assert "check-compat: the specs cannot be compared:\nv1.5.0:spec/openapi.yaml:" in report
