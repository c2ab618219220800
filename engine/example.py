"""The checkout's example repository, as committed: what the demo and the tests start from.

The checkout's ``environments/`` is an example a user may edit, break or apply; the demo and the
tests must not depend on its state. So they copy the example as git has it at ``HEAD`` (the
user's edits and untracked files left out), and only where the source is no git checkout (an
unpacked source archive) the files as they are.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import git

EXAMPLE_PATHS = ("environments", "syncsets.yaml", "docs/demo")
"""What makes up the example: the environment folders, the sync sets, the demo's people."""


def copy_example(source: Path, target: Path, names: Iterable[str] = EXAMPLE_PATHS) -> None:
    """Copy ``names`` (files or folders, relative to ``source``) into ``target`` as committed."""
    wanted = tuple(names)
    tree = _committed_tree(source)
    for name in wanted:
        if tree is not None and _has(tree, name):
            _write_committed(tree / name, target / name)
        else:
            _copy_working(source / name, target / name)


def _committed_tree(source: Path) -> git.Tree | None:
    """HEAD's tree when ``source`` is the top of a git checkout with a commit, else None."""
    try:
        repository = git.Repo(source)
        if Path(repository.working_tree_dir or "").resolve() != source.resolve():
            return None
        return repository.head.commit.tree
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return None


def _has(tree: git.Tree, name: str) -> bool:
    try:
        tree / name
    except KeyError:
        return False
    return True


def _write_committed(item: git.Tree | git.Blob, target: Path) -> None:
    if isinstance(item, git.Blob):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.data_stream.read())
        return
    for entry in item.traverse():
        if isinstance(entry, git.Blob):
            path = target / Path(entry.path).relative_to(item.path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(entry.data_stream.read())


def _copy_working(origin: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if origin.is_dir():
        shutil.copytree(origin, target, ignore=shutil.ignore_patterns(".syncset"))
    else:
        shutil.copy2(origin, target)
