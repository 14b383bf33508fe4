"""Where codegen reads and writes, from `[tool.codegen]` in pyproject.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Config:
    root: Path
    openapi: Path
    asyncapi: Path
    output: Path
    handlers: Path
    context: str  # "module:Class", the application's handler context, used in scaffolded signatures

    def display(self, path: Path) -> str:
        """A path as the user sees it: relative to the repository."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    @property
    def context_module(self) -> str:
        return self.context.partition(":")[0]

    @property
    def context_class(self) -> str:
        return self.context.partition(":")[2]


_DEFAULTS = {
    "openapi": "spec/openapi.yaml",
    "asyncapi": "spec/asyncapi.yaml",
    "output": "generated",
    "handlers": "app/handlers",
    "context": "app.context:RequestContext",
}


def load_config(root: Path) -> Config:
    settings = dict(_DEFAULTS)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        settings.update(tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("codegen", {}))
    return Config(
        root=root,
        openapi=root / settings["openapi"],
        asyncapi=root / settings["asyncapi"],
        output=root / settings["output"],
        handlers=root / settings["handlers"],
        context=settings["context"],
    )
