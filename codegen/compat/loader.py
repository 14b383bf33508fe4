"""The two sides of a comparison: the specs of a git ref, and those of the working tree."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from codegen.config import Config
from codegen.errors import Location, Problem, SpecError
from codegen.refs import SpecSet
from codegen.source import Document


class GitError(Exception):
    """A git command failed; the message says which and why."""


@dataclass
class Side:
    """The documents of one side; a document the side does not have is None (all of it is new)."""

    label: str  # the git ref, or "" for the working tree
    specs: SpecSet
    openapi: Document | None
    asyncapi: Document | None


class _LabelledSpecs(SpecSet):
    """A SpecSet whose document names carry the git ref they come from (`v1.2.0:spec/openapi.yaml`), so that
    every location on the old side says where to look: `git show v1.2.0:spec/openapi.yaml`."""

    def __init__(self, root: Path, label: str) -> None:
        super().__init__(root)
        self.label = label

    def load(self, path: Path) -> Document:
        try:
            document = super().load(path)
        except SpecError as exc:
            if not self.label:
                raise
            raise SpecError(
                Problem(Location(f"{self.label}:{p.location.file}", p.location.line, p.location.col), p.message)
                for p in exc.problems
            ) from exc
        if self.label and not document.name.startswith(f"{self.label}:"):
            document.name = f"{self.label}:{document.name}"
        return document


def load_side(root: Path, config: Config, label: str = "") -> Side:
    """The documents `config` names, read from `root` (a checkout, or a ref extracted by `extract_ref`)."""
    specs = _LabelledSpecs(root, label)
    documents = []
    for path in (config.openapi, config.asyncapi):
        located = root / path.relative_to(config.root)
        documents.append(specs.load(located) if located.is_file() else None)
    return Side(label, specs, documents[0], documents[1])


def extract_ref(repo: Path, ref: str, config: Config, into: Path) -> None:
    """Write the spec directories of `ref` under `into`, as they are laid out in the repository."""
    folders = sorted({path.parent.relative_to(config.root).as_posix() for path in (config.openapi, config.asyncapi)})
    listed = git(repo, "ls-tree", "-r", "--name-only", ref, "--", *folders)
    if not listed.strip():
        return
    archive = subprocess.run(
        [_git_executable(), "-C", str(repo), "archive", "--format=tar", ref, "--", *folders],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise GitError(f"git archive {ref}: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")


def git(repo: Path, *args: str) -> str:
    """The output of one git command in `repo`; GitError with git's own message when it fails."""
    done = subprocess.run([_git_executable(), "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def _git_executable() -> str:
    found = shutil.which("git")
    if found is None:
        raise GitError("git is not installed (apt-get install git)")
    return found


def default_base(repo: Path) -> tuple[str | None, str]:
    """The ref to compare with, and why: the last `v*` tag reachable from HEAD, else HEAD's first parent, else
    HEAD itself (a repository of one commit: only uncommitted changes are compared). None: no commit at all."""
    try:
        tag = git(repo, "describe", "--tags", "--abbrev=0", "--match", "v*", "HEAD").strip()
    except GitError:
        tag = ""
    if tag:
        return tag, f"the last release tag, {tag}"
    try:
        git(repo, "rev-parse", "--verify", "--quiet", "HEAD^1")
    except GitError:
        pass
    else:
        return "HEAD^1", "no v* tag: the first parent of HEAD"
    try:
        git(repo, "rev-parse", "--verify", "--quiet", "HEAD")
    except GitError:
        return None, "the repository has no commit yet"
    return "HEAD", "no v* tag and HEAD has no parent: the last commit"
