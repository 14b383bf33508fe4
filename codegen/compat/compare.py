"""Both documents of one side against the other's: every change, REST and WebSocket."""

from __future__ import annotations

from codegen.compat.changes import Change
from codegen.compat.loader import Side
from codegen.compat.rest import RestDiff
from codegen.compat.ws import WsDiff
from codegen.errors import Problems
from codegen.refs import Node
from codegen.source import Document


def compare(old: Side, new: Side) -> tuple[list[Change], Problems]:
    """Every change from `old` to `new`, most severe first; and the `$ref`s that broke on the way."""
    changes: list[Change] = []
    problems = Problems()
    old_api, new_api = _pair(old.openapi, new.openapi)
    if old_api is not None and new_api is not None:
        RestDiff(old.specs, new.specs, old_api, new_api, changes, problems).run()
    old_ws, new_ws = _pair(old.asyncapi, new.asyncapi)
    if old_ws is not None and new_ws is not None:
        WsDiff(old.specs, new.specs, old_ws, new_ws, old_api, new_api, changes, problems).run()
    unique = list(dict.fromkeys(changes))
    return sorted(unique, key=lambda change: change.sort_key), problems


def _pair(old: Document | None, new: Document | None) -> tuple[Node | None, Node | None]:
    """The two documents' roots; a document one side lacks is empty there: deleting a spec file removes every
    operation in it, adding one adds them."""
    known = old or new
    if known is None:
        return None, None
    return _root(old, known), _root(new, known)


def _root(document: Document | None, known: Document) -> Node:
    if document is None or not isinstance(document.data, dict):
        document = Document(name=known.name, path=known.path, data={})
    return Node(document, (), document.data)
