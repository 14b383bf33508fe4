"""One change between the base and the working tree, located in both."""

from __future__ import annotations

from dataclasses import dataclass

from codegen.compat.rules import RULES, Rule, Severity
from codegen.errors import Location
from codegen.refs import Node


@dataclass(frozen=True)
class Change:
    """`rule` fired for `subject` (an operation or a message); `what` says what changed in a phrase."""

    rule_id: str
    subject: str
    what: str
    old: Location | None  # None: the thing is new
    new: Location | None  # None: the thing is gone
    api: str  # the document whose version a break must bump: "openapi" or "asyncapi"

    @property
    def rule(self) -> Rule:
        return RULES[self.rule_id]

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def sort_key(self) -> tuple[int, str, str, str]:
        order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}[self.severity]
        return order, self.subject, self.rule_id, self.what


def located(node: Node, keyword: str | None = None) -> Location:
    """Where `keyword` of the object `node` stands, or `node` itself when it has no such keyword."""
    if keyword is not None and isinstance(node.value, dict) and keyword in node.value:
        return node.document.location((*node.path, keyword))
    return node.document.location(node.path)
