"""The version policy and the reviewed allowlist.

A breaking change (severity error) passes when the document it breaks got a new major `info.version` in the
same change, or when `spec/compat-allowlist.yaml` names it:

    accepted:
      - rule: response-required-property-removed
        location: GET /api/v1/authors/{author_id}   # the subject, or the file:line[:col] of either side
        reason: Nobody read it; agreed with the client teams on 2026-12-01.

Warnings and info never fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from codegen.compat.changes import Change
from codegen.compat.rules import RULES, Severity
from codegen.errors import Location, Problems
from codegen.refs import Node
from codegen.source import Document, load_document

_MAJOR = re.compile(r"^\s*v?(\d+)")


@dataclass(frozen=True)
class Accepted:
    rule: str
    location: str
    reason: str
    where: Location  # the entry in the allowlist file


@dataclass
class Verdict:
    failing: list[Change] = field(default_factory=list)
    allowed: list[tuple[Change, Accepted]] = field(default_factory=list)
    by_version: list[Change] = field(default_factory=list)
    unused: list[Accepted] = field(default_factory=list)
    versions: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failing


def load_allowlist(path: Path, name: str, problems: Problems) -> list[Accepted]:
    """The entries of the allowlist file, each mistake in it located; no file: no entries."""
    if not path.is_file():
        return []
    document = load_document(path, name)
    root = Node(document, (), document.data)
    if document.data is None:
        return []
    entries = root.child("accepted")
    if not isinstance(document.data, dict) or not isinstance(entries.value, list):
        problems.add(root.location, "the allowlist is `accepted: [{rule, location, reason}, ...]`")
        return []
    found = []
    for index in range(len(entries.value)):
        entry = entries.child(index)
        if not isinstance(entry.value, dict):
            problems.add(entry.location, "an entry is {rule, location, reason}")
            continue
        rule, location, reason = (entry.value.get(key) for key in ("rule", "location", "reason"))
        for key in sorted(set(entry.value) - {"rule", "location", "reason"}):
            problems.add(entry.child(key).location, f"unknown key {key!r} (rule, location, reason)")
        if not isinstance(rule, str) or rule not in RULES:
            problems.add(entry.child("rule").location, f"unknown rule {rule!r}: use a rule id the report names")
        elif not isinstance(location, str) or not location.strip():
            problems.add(entry.location, "`location` names the subject or file:line of the change the report shows")
        elif not isinstance(reason, str) or not reason.strip():
            problems.add(entry.location, "`reason` says why the break is accepted; it is what a reviewer reads")
        else:
            found.append(Accepted(rule, location.strip(), reason.strip(), entry.location))
    return found


def judge(
    changes: list[Change],
    allowlist: list[Accepted],
    old: dict[str, Document | None],
    new: dict[str, Document | None],
) -> Verdict:
    """Which breaking changes fail the gate, given the documents' versions (`old`/`new` by api name)."""
    verdict = Verdict()
    used: set[Accepted] = set()
    for api in ("openapi", "asyncapi"):
        verdict.versions[api] = (_version(old.get(api)), _version(new.get(api)))
    for change in changes:
        if change.severity is not Severity.ERROR:
            continue
        entry = next((entry for entry in allowlist if _matches(entry, change)), None)
        if entry is not None:
            used.add(entry)
            verdict.allowed.append((change, entry))
        elif major_bumped(*verdict.versions[change.api]):
            verdict.by_version.append(change)
        else:
            verdict.failing.append(change)
    verdict.unused = [entry for entry in allowlist if entry not in used]
    return verdict


def major_bumped(before: str | None, after: str | None) -> bool:
    old, new = _major(before), _major(after)
    return old is not None and new is not None and new > old


def _major(version: str | None) -> int | None:
    found = _MAJOR.match(version or "")
    return int(found.group(1)) if found else None


def _version(document: Document | None) -> str | None:
    if document is None or not isinstance(document.data, dict):
        return None
    info = document.data.get("info")
    version = info.get("version") if isinstance(info, dict) else None
    return str(version) if version is not None else None


def _matches(entry: Accepted, change: Change) -> bool:
    if entry.rule != change.rule_id:
        return False
    if entry.location == change.subject:
        return True
    for where in (change.old, change.new):
        if where is not None and (entry.location == str(where) or entry.location == f"{where.file}:{where.line}"):
            return True
    return False
