"""The Jinja2 environments of codegen's own templates (codegen/templates/<folder>/)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined


def environment(folder: str, *, html: bool = False) -> Environment:
    """Templates of `folder`: undefined names fail, block lines leave no blank lines, and only an HTML page is
    escaped (the others render source code)."""
    return Environment(
        loader=PackageLoader("codegen", f"templates/{folder}"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=html,  # noqa: S701 - on exactly for HTML
    )
