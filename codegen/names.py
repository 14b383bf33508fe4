"""Python names derived from names in the specs, and the rules that keep them valid and distinct.

A tag names a module (generated/rest/<tag>.py) and a handler class; an operationId or AsyncAPI operation
names a method and an enum member. Two spec names that differ only in case or separators (`getURL`,
`getUrl`) would derive the same Python name, so that is an error, as is a tag that would shadow one of the
generated modules or that Python cannot import.
"""

from __future__ import annotations

import keyword
import re

from codegen.contract import snake_case
from codegen.errors import Location

OPERATION_ID = re.compile(r"^[a-z][A-Za-z0-9]*$")
TAG_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
SCHEMA_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
ROLE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")

# Modules codegen writes next to the per-tag ones (generated/rest/, generated/ws/).
RESERVED_MODULES = frozenset({"models", "operations", "protocol"})


def tag_problem(tag: object) -> str | None:
    """Why `tag` cannot name a module and a handler class, or None when it can."""
    if not isinstance(tag, str) or not TAG_NAME.match(tag):
        return f"tag {tag!r} must match {TAG_NAME.pattern}: it names a Python module"
    if tag in RESERVED_MODULES or keyword.iskeyword(tag):
        return f"tag {tag!r} cannot name a module: it is a Python keyword or a module codegen writes itself"
    return None


class DerivedNames:
    """Which spec name each derived Python name came from, to report two that collide."""

    def __init__(self) -> None:
        self._claimed: dict[str, tuple[str, Location]] = {}

    def claim(self, name: str, where: Location) -> str | None:
        """Claim the snake_case of `name`; the problem when another name already derived it, else None."""
        derived = snake_case(name)
        if derived in self._claimed and self._claimed[derived][0] != name:
            other, first = self._claimed[derived]
            return f"{name!r} and {other!r} (at {first}) both become {derived!r} in Python; rename one"
        self._claimed.setdefault(derived, (name, where))
        return None
