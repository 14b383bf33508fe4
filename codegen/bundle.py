"""The specs as self-contained JSON documents: what `/openapi.json` and `/asyncapi.json` serve.

A spec may take parts from other files by relative `$ref` (`./schemas/pet.yaml`, or `openapi.yaml#/...` from
the AsyncAPI document). A tool reading the document from the running service cannot follow such a reference,
so the bundle copies each part it names (and the parts those name in turn) into the document's `components`
and points the reference there. References inside the document stay as they are; key order is kept.

Where a copied part goes: a part that is itself a component elsewhere (`other.yaml#/components/responses/X`)
goes to the same section under its name; a whole file, or any other part, goes where the reference stands
(a `parameters` entry to `components/parameters`, a response to `components/responses`, ... and anything else
to `components/schemas`), named after the file. A path item is copied in place, since OpenAPI 3.0 has no
section for it. A name the document already uses for something else gets the first free `<Name>N`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from codegen.refs import SpecSet
from codegen.source import Document, JsonPath

_SCHEMAS: JsonPath = ("components", "schemas")
_INLINE = "inline"

# Where an OpenAPI reference stands -> the components section of what it names: (key above it, section).
_OPENAPI_SECTIONS = {
    "parameters": "parameters",
    "responses": "responses",
    "requestBody": "requestBodies",
    "headers": "headers",
    "examples": "examples",
    "links": "links",
    "callbacks": "callbacks",
    "securitySchemes": "securitySchemes",
    "paths": _INLINE,
}
_NOT_A_NAME = re.compile(r"[^A-Za-z0-9._-]+")

# Chooses the components section for a part of another file: (where the reference stands, the part's path
# in its own file) -> the section's name, or _INLINE to copy the part where the reference stands.
Placement = Callable[[JsonPath, JsonPath], str]


@dataclass(frozen=True)
class Bundle:
    document: dict[str, Any]
    renamed: dict[str, str]
    """Schemas of other files that took another name in the bundle: their name there -> their name here."""


def bundle_asyncapi(specs: SpecSet, document: Document) -> Bundle:
    """`document` (already validated, every `$ref` resolving) with its references into other files made local.

    Everything the AsyncAPI document takes from elsewhere is a schema (of openapi.yaml, mostly).
    """
    return _bundle(specs, document, lambda where, target: "schemas")


def bundle_openapi(specs: SpecSet, document: Document) -> dict[str, Any]:
    """`document` (already validated, every `$ref` resolving) with its references into other files made local."""
    return _bundle(specs, document, _openapi_section).document


def _openapi_section(where: JsonPath, target: JsonPath) -> str:
    if len(target) == 3 and target[0] == "components" and isinstance(target[1], str):
        return target[1]
    if where and where[-1] == "requestBody":
        return "requestBodies"
    above = where[-2] if len(where) >= 2 else None
    in_properties = len(where) >= 3 and where[-3] == "properties"  # a schema property named `headers`, say
    if isinstance(above, str) and above in _OPENAPI_SECTIONS and not in_properties:
        return _OPENAPI_SECTIONS[above]
    return "schemas"


def _bundle(specs: SpecSet, document: Document, placement: Placement) -> Bundle:
    bundler = _Bundler(specs, document, placement)
    bundled = bundler.bundle()
    renamed = {
        str(path[-1]): name
        for (_, path), (section, name) in bundler.imported.items()
        if section == "schemas" and path and str(path[-1]) != name
    }
    return Bundle(bundled, renamed)


class _Bundler:
    def __init__(self, specs: SpecSet, document: Document, placement: Placement) -> None:
        self.specs = specs
        self.root = document
        self.placement = placement
        self.data: dict[str, Any] = copy.deepcopy(document.data)
        self.imported: dict[tuple[str, JsonPath], tuple[str, str]] = {}  # (file, path there) -> (section, name)
        self._origins: dict[tuple[str, str], Document] = {}  # adopted components -> the file they come from

    def bundle(self) -> dict[str, Any]:
        # The components first: one that is only a reference to another file takes that part's place.
        self._bundle_components()
        for key in list(self.data):
            if key != "components":
                self.data[key] = self._rewrite(self.data[key], self.root, (key,))
        return self.data

    def _bundle_components(self) -> None:
        components = self.data.get("components")
        if isinstance(components, dict):
            # Entry by entry, in place: the parts copied in meanwhile are already rewritten, and stay as they are.
            copied = set(self.imported.values())
            for section, entries in list(components.items()):
                if not isinstance(entries, dict):
                    continue
                for name in list(entries):
                    if (section, name) not in copied:
                        self._adopt(section, name)
                        origin = self._origins.get((section, name), self.root)
                        entries[name] = self._rewrite(entries[name], origin, ("components", section, name))
                        copied = set(self.imported.values())

    def _adopt(self, section: str, name: str) -> None:
        """A component that is only a reference to another file's part takes that part under its own name
        (`Pet: {$ref: ./pet.yaml}` serves as the schema itself, not a second name for it)."""
        entry = self.data["components"][section][name]
        ref = entry.get("$ref") if isinstance(entry, dict) and len(entry) == 1 else None
        target = self.specs.resolve(self.root, ref) if isinstance(ref, str) else None
        if target is None or isinstance(target, str) or target.document.name == self.root.name:
            return
        key = (target.document.name, target.path)
        if key not in self.imported:
            self.imported[key] = (section, name)
            self.data["components"][section][name] = copy.deepcopy(target.value)
            self._origins[(section, name)] = target.document

    def _rewrite(self, value: Any, origin: Document, where: JsonPath) -> Any:
        """`value` (from `origin`, standing at `where` in the bundle) with every reference pointing into it."""
        if isinstance(value, list):
            return [self._rewrite(item, origin, (*where, index)) for index, item in enumerate(value)]
        if not isinstance(value, dict):
            return value
        ref = value.get("$ref")
        if isinstance(ref, str):
            target = self.specs.resolve(origin, ref)
            assert not isinstance(target, str), target  # the readers checked every reference before
            if target.document.name != self.root.name and self.placement(where, target.path) == _INLINE:
                siblings = {key: item for key, item in value.items() if key != "$ref"}
                return self._rewrite({**target.value, **siblings}, target.document, where)
        rewritten = {key: self._rewrite(item, origin, (*where, key)) for key, item in value.items() if key != "$ref"}
        if isinstance(ref, str):
            return {"$ref": self._local_ref(ref, origin, where), **rewritten}
        return rewritten

    def _local_ref(self, ref: str, origin: Document, where: JsonPath) -> str:
        target = self.specs.resolve(origin, ref)
        assert not isinstance(target, str), target
        if target.document.name == self.root.name:
            return "#" + _pointer(target.path)
        key = (target.document.name, target.path)
        if key not in self.imported:
            section = self.placement(where, target.path)
            entries = self.data.setdefault("components", {}).setdefault(section, {})
            name = _free_name(entries, _name_of(target.document, target.path))
            self.imported[key] = (section, name)
            entries[name] = {}  # claimed before the recursion: a part that refers to itself
            entries[name] = self._rewrite(target.value, target.document, ("components", section, name))
        section, name = self.imported[key]
        return "#" + _pointer(("components", section, name))


def _name_of(document: Document, path: JsonPath) -> str:
    """A component name for the part at `path` of `document`: its own key, or the file's name."""
    raw = str(path[-1]) if path and isinstance(path[-1], str) else PurePosixPath(document.name).stem
    return _NOT_A_NAME.sub("_", raw) or "Imported"


def _free_name(entries: dict[str, Any], name: str) -> str:
    candidate, number = name, 1
    while candidate in entries:
        number += 1
        candidate = f"{name}{number}"
    return candidate


def _pointer(path: JsonPath) -> str:
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in path)
