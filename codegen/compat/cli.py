"""`python -m codegen.compat [--base REF] [--repo PATH]`: the gate, and its report for a person.

Exit status: 0 the gate passes (warnings and safe changes are listed), 1 a breaking change is not accepted,
2 the comparison could not be made (a git error, a spec that does not parse).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import TextIO

from codegen.compat.changes import Change
from codegen.compat.compare import compare
from codegen.compat.loader import GitError, default_base, extract_ref, git, load_side
from codegen.compat.policy import Verdict, judge, load_allowlist
from codegen.compat.rules import Severity
from codegen.config import load_config
from codegen.errors import SpecError

ALLOWLIST = "compat-allowlist.yaml"


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="make check-compat", description="Fail on a change that breaks clients.")
    parser.add_argument(
        "--base", help="the git ref to compare with (default: the last v* tag, else HEAD's first parent)"
    )
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="the repository (default: the current directory)")
    args = parser.parse_args(argv)
    try:
        return _run(args.repo.resolve(), args.base, out)
    except GitError as exc:
        print(f"check-compat: {exc}", file=out)
        return 2
    except SpecError as exc:
        print(f"check-compat: the specs cannot be compared:\n{exc}", file=out)
        return 2


def _run(repo: Path, base: str | None, out: TextIO) -> int:
    config = load_config(repo)
    why = f"base={base}"
    if base is None:
        found, why = default_base(repo)
        if found is None:
            print(f"check-compat: nothing to compare with ({why})", file=out)
            return 0
        base = found
    commit = git(repo, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}").strip()
    with tempfile.TemporaryDirectory(prefix="check-compat-") as scratch:
        extract_ref(repo, commit, config, Path(scratch))
        old = load_side(Path(scratch), config, label=base)
        new = load_side(repo, config)
        changes, problems = compare(old, new)
        allowlist_path = config.openapi.parent / ALLOWLIST
        allowlist = load_allowlist(allowlist_path, config.display(allowlist_path), problems)
        problems.raise_if_any()
        documents_old = {"openapi": old.openapi, "asyncapi": old.asyncapi}
        documents_new = {"openapi": new.openapi, "asyncapi": new.asyncapi}
        verdict = judge(changes, allowlist, documents_old, documents_new)
        missing = [name for name, document in documents_old.items() if document is None]
        print(f"check-compat: spec/ at {base} ({why}) -> the working tree", file=out)
        for name in missing:
            print(f"  {base} has no {name} document: all of it is new", file=out)
        write_report(changes, verdict, out, allowlist_name=config.display(allowlist_path))
    return 0 if verdict.passed else 1


def write_report(changes: list[Change], verdict: Verdict, out: TextIO, allowlist_name: str) -> None:
    """Each change as a block a reviewer can read without the diff; then the verdict."""
    allowed = {id(change): entry for change, entry in verdict.allowed}
    by_version = {id(change) for change in verdict.by_version}
    for change in changes:
        print(file=out)
        print(f"{change.severity.value:<7} {change.rule_id}  {change.subject}", file=out)
        print(f"  {change.what}", file=out)
        if change.old is not None:
            print(f"  was: {change.old}", file=out)
        if change.new is not None:
            print(f"  now: {change.new}", file=out)
        print(f"  {'breaks' if change.severity is not Severity.INFO else 'safe'}: {change.rule.breaks}", file=out)
        if id(change) in allowed:
            print(f"  accepted by {allowlist_name}: {allowed[id(change)].reason}", file=out)
        elif id(change) in by_version:
            before, after = verdict.versions[change.api]
            print(f"  accepted: {change.api} info.version {before} -> {after} is a new major version", file=out)
    for entry in verdict.unused:
        print(
            f"\nwarning: {entry.where}: the allowlist entry {entry.rule} at {entry.location} matches no change",
            file=out,
        )
    counts = Counter(change.severity for change in changes)
    print(
        f"\n{counts[Severity.ERROR]} breaking, {counts[Severity.WARNING]} warnings, {counts[Severity.INFO]} safe.",
        file=out,
    )
    if verdict.passed:
        print("check-compat: passed", file=out)
        return
    apis = sorted({change.api for change in verdict.failing})
    print(f"check-compat: FAILED: {len(verdict.failing)} breaking change(s) not accepted.", file=out)
    for api in apis:
        before, after = verdict.versions[api]
        print(f"  {api}: info.version {before} -> {after} keeps its major version.", file=out)
    print(
        "  Either give the broken document a new major info.version, or, after review, accept each break in "
        f"{allowlist_name} (rule, location, reason).",
        file=out,
    )
