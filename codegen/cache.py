"""Skipping a run that would change nothing.

A run's inputs are the spec files, codegen itself, pyproject.toml (its settings and ruff's) and the versions
of the model generator and the formatter. After a run, their fingerprint is kept under `.cache/codegen/`
(git-ignored) with a digest of every file written and the contract read. The next run with the same
fingerprint, finding `generated/` exactly as written, answers from there in a fraction of a second; any
change to an input, or to a file of `generated/`, makes it a full run.

Kept light on imports: it runs before the generator, the validators and the templates are loaded.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from codegen.config import Config

_CODEGEN = Path(__file__).resolve().parent
_TOOLS = ("datamodel-code-generator", "ruff")


@dataclass(frozen=True)
class Cached:
    fingerprint: str
    files: dict[str, str]  # path under the output directory -> sha256 of its bytes
    contract: Any  # codegen.contract.Contract, for the summary of what is not implemented


def fingerprint(config: Config) -> str:
    digest = hashlib.sha256()
    inputs = [*_files(config.openapi.parent), *_files(_CODEGEN), config.root / "pyproject.toml"]
    for path in sorted(set(inputs)):
        if path.is_file():
            digest.update(str(path.relative_to(config.root) if path.is_relative_to(config.root) else path).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for tool in _TOOLS:
        digest.update(f"{tool}=={_version(tool)}".encode())
    return digest.hexdigest()


def hit(config: Config, current: str) -> Cached | None:
    """What the last run wrote, when it had these inputs and `generated/` is still exactly that."""
    try:
        cached = pickle.loads(_path(config).read_bytes())  # noqa: S301 - our own cache, in the repository
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    if not isinstance(cached, Cached) or cached.fingerprint != current:
        return None
    return cached if digests(config.output) == cached.files else None


def store(config: Config, current: str, files: dict[str, str], contract: Any) -> None:
    path = _path(config)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        written = {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in files.items()}
        path.write_bytes(pickle.dumps(Cached(current, written, contract)))
    except OSError:
        pass  # a cache that cannot be written only makes the next run a full one


def digests(directory: Path) -> dict[str, str]:
    if not directory.is_dir():
        return {}
    return {
        path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def _files(directory: Path) -> list[Path]:
    return [path for path in directory.rglob("*") if path.is_file() and "__pycache__" not in path.parts]


def _version(tool: str) -> str:
    try:
        return metadata.version(tool)
    except metadata.PackageNotFoundError:
        return "absent"


def _path(config: Config) -> Path:
    return config.root / ".cache" / "codegen" / "last-run.pickle"
