"""Fixtures for the codegen tests: one rendering of the minimal fixture specs, shared by the tests that only read it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from codegen.config import Config
from codegen.pipeline import generate
from tests.codegen.support import minimal_root, snapshot


@dataclass(frozen=True)
class Rendering:
    """A repository root after `generate`: its config and every file of its generated/ directory."""

    config: Config
    files: dict[str, bytes]

    @property
    def root(self) -> Path:
        return self.config.root


@pytest.fixture(scope="session")
def minimal_rendering(tmp_path_factory: pytest.TempPathFactory) -> Rendering:
    """The minimal fixture specs rendered once by the real pipeline; tests must not change its directory."""
    config = minimal_root(tmp_path_factory.mktemp("minimal"))
    generate(config)
    return Rendering(config, snapshot(config.output))
