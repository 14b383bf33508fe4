"""Spec files loaded as plain data, with the line and column of every node kept for error messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import yaml

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

    def path_of(self, value: object, suffix: Sequence[str | int]) -> JsonPath | None:
        """Where `value` (that very object) stands in the data, its path ending with `suffix`; None if nowhere.

        A validator that checks a part on its own (a schema against the meta-schema, say) reports paths relative
        to that part: the object it found wrong is still the one in this document, so that finds the place.
        """
        tail = tuple(suffix)
        pending: list[tuple[JsonPath, Any]] = [((), self.data)]
        while pending:
            path, node = pending.pop()
            if node is value and path[len(path) - len(tail) :] == tail:
                return path
            if isinstance(node, dict):
                pending += [((*path, key), child) for key, child in node.items()]
            elif isinstance(node, list):
                pending += [((*path, index), child) for index, child in enumerate(node)]
        return None

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
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([Problem(Location(name, 1, 1), f"cannot read the file: {exc}")]) from exc
    try:
        # libyaml's composer: node by node with its position, thirty times faster than a pure-Python parser
        # (a spec of 500 operations takes 0.3 s, not 9). Values are built from the nodes below.
        tree = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
        raise SpecError([Problem(where, f"YAML syntax: {exc.problem or exc.context}")]) from exc
    except yaml.YAMLError as exc:
        raise SpecError([Problem(Location(name, 1, 1), f"YAML syntax: {exc}")]) from exc
    problems = Problems()
    document = Document(name=name, path=path, data=None)
    document.positions[()] = (1, 1)
    document.data = _Builder(document, problems).value(tree, ()) if tree is not None else None
    problems.raise_if_any()
    return document


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_CONSTRUCTOR = yaml.SafeLoader("")  # converts one scalar node at a time, as the YAML safe schema resolves it


class _Builder:
    """Turns composed nodes into dicts, lists and scalars, recording each node's position on the way, and
    reports what YAML would read as something other than what the author most likely meant."""

    def __init__(self, document: Document, problems: Problems) -> None:
        self.document = document
        self.problems = problems

    def value(self, node: yaml.Node, path: JsonPath, depth: int = 0) -> Any:
        if depth > 200:  # an alias that contains itself
            self.problems.add(self.document.location(path), "the document nests too deeply (a recursive alias?)")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                child = (*path, index)
                self.document.positions[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
                items.append(self.value(item, child, depth + 1))
            return items
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: JsonPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else key_node
            child = (*path, str(key))
            where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key, str):
                # JSON has only string keys, and OpenAPI says status codes MUST be quoted ("200") for this reason.
                self.document.positions[child] = where
                self.problems.add(self.document.location(child), f"mapping key {key!r} must be a string; quote it")
            elif key in result:
                first = self.document.location(child)
                self.problems.add(Location(self.document.name, *where), f"duplicate key {key!r} (first at {first})")
                continue
            self.document.positions[child] = where
            result[str(key)] = self.value(value_node, child, depth + 1)
        return result

    def _scalar(self, node: yaml.ScalarNode, path: JsonPath) -> Any:
        tag = node.tag.removeprefix(_TAG)
        if tag == "str":
            return node.value
        if tag in ("timestamp",):
            self.problems.add(
                self.document.location(path), f"{node.value} is read by YAML as a date, not a string; quote it"
            )
            return node.value
        if tag == "bool" and node.value.lower() not in ("true", "false"):
            self.problems.add(
                self.document.location(path), f"{node.value} is read by YAML as a boolean, not a string; quote it"
            )
        if tag in ("bool", "int", "float", "null"):
            return _CONSTRUCTOR.construct_object(node)
        self.problems.add(self.document.location(path), f"unsupported YAML value {node.value!r} ({node.tag})")
        return None
