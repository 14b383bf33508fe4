"""`$ref` resolution across the spec files, with located errors for references that lead nowhere."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from codegen.errors import Problems, SpecError
from codegen.source import Document, JsonPath, load_document


@dataclass(frozen=True)
class Node:
    """A value in a spec and where it stands: the document and the path within it."""

    document: Document
    path: JsonPath
    value: Any

    def child(self, *steps: str | int) -> Node:
        return Node(self.document, (*self.path, *steps), self.document.get((*self.path, *steps)))

    @property
    def location(self) -> Any:
        return self.document.location(self.path)


class SpecSet:
    """The documents of one codegen run, each loaded once; external refs load their file on demand."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._documents: dict[Path, Document] = {}

    def load(self, path: Path) -> Document:
        key = path.resolve()
        if key not in self._documents:
            self._documents[key] = load_document(key, _display_name(key, self.root))
        return self._documents[key]

    def resolve(self, origin: Document, ref: str) -> Node | str:
        """The node `ref` names, or a sentence saying why there is none."""
        file_part, _, fragment = ref.partition("#")
        if "://" in file_part:
            return f"$ref {ref!r} points outside the spec files; only local files are supported"
        document = origin
        if file_part:
            target = (origin.path.parent / unquote(file_part)).resolve()
            if not target.is_file():
                return f"$ref {ref!r}: no file {_display_name(target, self.root)}"
            try:
                document = self.load(target)
            except SpecError as exc:
                return f"$ref {ref!r}: {_display_name(target, self.root)} does not parse ({exc.problems[0]})"
        if fragment and not fragment.startswith("/"):
            return f"$ref {ref!r}: the part after '#' must be a JSON pointer starting with '/'"
        path: JsonPath = ()
        node: Any = document.data
        for raw in fragment.split("/")[1:]:
            step = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and step in node:
                path, node = (*path, step), node[step]
            elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
                path, node = (*path, int(step)), node[int(step)]
            else:
                return _nowhere(ref, step, node)
        return Node(document, path, node)

    def deref(self, node: Node, problems: Problems) -> Node | None:
        """Follow `$ref` until a node that is not a reference; None (with a problem added) if one breaks."""
        seen: set[tuple[str, JsonPath]] = set()
        while isinstance(node.value, dict) and isinstance(node.value.get("$ref"), str):
            key = (node.document.name, node.path)
            if key in seen:
                problems.add(node.location, f"$ref cycle through {node.value['$ref']!r}")
                return None
            seen.add(key)
            target = self.resolve(node.document, node.value["$ref"])
            if isinstance(target, str):
                problems.add(node.child("$ref").location, target)
                return None
            node = target
        return node

    def check_refs(self, document: Document, problems: Problems) -> None:
        """Report every `$ref` in `document` that does not resolve (following refs into other files too)."""
        pending = [document]
        checked: set[str] = set()
        while pending:
            current = pending.pop()
            if current.name in checked:
                continue
            checked.add(current.name)
            for path, ref in iter_refs(current.data):
                target = self.resolve(current, ref) if isinstance(ref, str) else "$ref must be a string"
                if isinstance(target, str):
                    problems.add(current.location((*path, "$ref")), target)
                elif target.document.name not in checked:
                    pending.append(target.document)


def iter_refs(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, Any]]:
    """Every `$ref` value in a document, with the path of the object holding it."""
    if isinstance(value, dict):
        if "$ref" in value:
            yield path, value["$ref"]
        for key, child in value.items():
            if key != "$ref":
                yield from iter_refs(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from iter_refs(child, (*path, index))


def _nowhere(ref: str, step: str, node: Any) -> str:
    message = f"unresolved $ref {ref!r}: nothing named {step!r} there"
    if isinstance(node, dict):
        close = difflib.get_close_matches(step, [str(k) for k in node], n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
    return message


def _display_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
