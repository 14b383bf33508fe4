"""Spec files loaded as plain data, with the line and column of every node kept for error messages."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from codegen.errors import Location, Problem, Problems, SpecError

JsonPath: TypeAlias = tuple[str | int, ...]


@dataclass
class Document:
    """One spec file: its data as JSON-compatible values, and where each node stands in the file."""

    name: str
    path: Path
    data: Any
    positions: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)

    def location(self, path: Sequence[str | int] = ()) -> Location:
        """Where `path` stands, or its nearest ancestor that exists in the file."""
        key = tuple(path)
        while key not in self.positions and key:
            key = key[:-1]
        line, col = self.positions.get(key, (1, 1))
        return Location(self.name, line, col)

    def get(self, path: Sequence[str | int]) -> Any:
        """The value at `path`, or None when any step of it is missing."""
        node = self.data
        for step in path:
            if isinstance(node, dict) and isinstance(step, str):
                node = node.get(step)
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                node = node[step]
            else:
                return None
        return node


def load_document(path: Path, name: str) -> Document:
    """Parse one YAML (or JSON) spec file; raise SpecError with the position of any syntax error."""
    problems = Problems()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([Problem(Location(name, 1, 1), f"cannot read the file: {exc}")]) from exc
    yaml = YAML(typ="rt", pure=True)
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
        raise SpecError([Problem(where, f"YAML syntax: {exc.problem or exc.context}")]) from exc
    except YAMLError as exc:
        raise SpecError([Problem(Location(name, 1, 1), f"YAML syntax: {exc}")]) from exc
    document = Document(name=name, path=path, data=None)
    document.positions[()] = (1, 1)
    document.data = _plain(tree, (), document, problems)
    problems.raise_if_any()
    return document


def _plain(node: Any, path: JsonPath, document: Document, problems: Problems) -> Any:
    """Convert ruamel's tree to dicts, lists and scalars, recording each node's position on the way."""
    if isinstance(node, CommentedMap):
        result: dict[str, Any] = {}
        for key, value in node.items():
            line, col = node.lc.key(key)
            child = (*path, str(key))
            document.positions[child] = (line + 1, col + 1)
            if not isinstance(key, str):
                # JSON has only string keys, and OpenAPI says status codes MUST be quoted ("200") for this reason.
                problems.add(document.location(child), f"mapping key {key!r} must be a string; quote it")
            result[str(key)] = _plain(value, child, document, problems)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            line, col = node.lc.item(index)
            child = (*path, index)
            document.positions[child] = (line + 1, col + 1)
            items.append(_plain(value, child, document, problems))
        return items
    if isinstance(node, (datetime.date, datetime.datetime)):
        problems.add(
            document.location(path),
            f"{node.isoformat()} is read by YAML as a date, not a string; quote it",
        )
        return str(node)
    if isinstance(node, str):
        return str(node)  # drop ruamel's scalar subclasses (folded, literal, ...)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    problems.add(document.location(path), f"unsupported YAML value {node!r}")
    return None
