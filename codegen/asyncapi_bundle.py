"""The AsyncAPI document as one self-contained JSON document: what `/asyncapi.json` serves.

`spec/asyncapi.yaml` takes many schemas from `openapi.yaml` by `$ref`. A tool reading the document from the
running service cannot follow a relative file reference, so the bundle copies each schema it names (and the
schemas those name in turn) into `components.schemas` and points the reference there. References inside the
AsyncAPI document stay as they are; key order is kept. A copied schema keeps its name unless the AsyncAPI
document has a different schema of that name, in which case it gets the first free `<Name>N`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from codegen.refs import SpecSet
from codegen.source import Document, JsonPath

_SCHEMAS: JsonPath = ("components", "schemas")


@dataclass(frozen=True)
class Bundle:
    document: dict[str, Any]
    renamed: dict[str, str]
    """Schemas of other files that took another name in the bundle: their name there -> their name here."""


def bundle_asyncapi(specs: SpecSet, document: Document) -> Bundle:
    """`document` (already validated, every `$ref` resolving) with its references into other files made local."""
    bundler = _Bundler(specs, document)
    bundled = bundler.bundle()
    renamed = {str(path[-1]): name for (_, path), name in bundler.imported.items() if str(path[-1]) != name}
    return Bundle(bundled, renamed)


class _Bundler:
    def __init__(self, specs: SpecSet, document: Document) -> None:
        self.specs = specs
        self.root = document
        self.data: dict[str, Any] = copy.deepcopy(document.data)
        self.schemas: dict[str, Any] = self.data.setdefault("components", {}).setdefault("schemas", {})
        self.imported: dict[tuple[str, JsonPath], str] = {}  # (file, path of the schema there) -> local name

    def bundle(self) -> dict[str, Any]:
        for name in list(self.schemas):
            self.schemas[name] = self._rewrite(self.schemas[name], self.root)
        for key in list(self.data):
            if key != "components":
                self.data[key] = self._rewrite(self.data[key], self.root)
        components = self.data["components"]
        for key in list(components):
            if key != "schemas":
                components[key] = self._rewrite(components[key], self.root)
        return self.data

    def _rewrite(self, value: Any, origin: Document) -> Any:
        """`value` (from `origin`) with every reference pointing into the bundle."""
        if isinstance(value, list):
            return [self._rewrite(item, origin) for item in value]
        if not isinstance(value, dict):
            return value
        rewritten = {key: self._rewrite(item, origin) for key, item in value.items() if key != "$ref"}
        ref = value.get("$ref")
        if isinstance(ref, str):
            return {"$ref": self._local_ref(ref, origin), **rewritten}
        return rewritten

    def _local_ref(self, ref: str, origin: Document) -> str:
        target = self.specs.resolve(origin, ref)
        assert not isinstance(target, str), target  # the readers checked every reference before
        if target.document.name == self.root.name:
            return "#" + _pointer(target.path)
        key = (target.document.name, target.path)
        if key not in self.imported:
            name = self._free_name(str(target.path[-1]) if target.path[:2] == _SCHEMAS else "Imported")
            self.imported[key] = name
            self.schemas[name] = {}  # claimed before the recursion: a schema that refers to itself
            self.schemas[name] = self._rewrite(target.value, target.document)
        return "#" + _pointer((*_SCHEMAS, self.imported[key]))

    def _free_name(self, name: str) -> str:
        candidate, number = name, 1
        while candidate in self.schemas:
            number += 1
            candidate = f"{name}{number}"
        return candidate


def _pointer(path: JsonPath) -> str:
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in path)
