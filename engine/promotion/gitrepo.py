"""The few facts syncset reads from git (through gitpython), in one place.

GitPython is imported by the functions that use it (about 35 ms): every plan records its
commit, which :func:`commit_reader` asks the ``git`` program for directly, the very command
GitPython would run, so a plan neither imports it nor waits for the answer.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from syncset.errors import RepositoryError

if TYPE_CHECKING:
    import git


def open_repo(root: Path) -> git.Repo | None:
    """The git repository holding ``root``, or None when it is not under git."""
    import git

    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def head_commit(root: Path, folder: Path | None = None) -> str | None:
    """The last commit that touched ``folder`` (HEAD when no folder), or None without git."""
    return commit_reader(root, folder)()


def commit_reader(root: Path, folder: Path | None = None) -> Callable[[], str | None]:
    """Start ``git log -1 --format=%H [-- folder]`` in ``root`` and return what waits for its
    answer: the last commit that touched ``folder`` (HEAD when no folder), or None outside a
    repository, in one without commits, or without git. Started early, git runs beside the
    plan in a process of its own."""
    command = ["git", "log", "-1", "--format=%H"]
    if folder is not None:
        command += ["--", str(folder)]
    try:
        child = subprocess.Popen(
            command,
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:  # no git program, or root is gone
        return lambda: None

    answered: list[str | None] = []

    def answer() -> str | None:
        """The commit (asked again, the same answer without waiting)."""
        if not answered:
            output, _ = child.communicate()
            found = output.decode("ascii", errors="replace").strip()
            answered.append(found if child.returncode == 0 and found else None)
        return answered[0]

    return answer


def changed_files(root: Path, ref: str) -> set[str]:
    """Repository-relative paths changed since ``ref``: committed, staged, unstaged, untracked."""
    import git

    repo = open_repo(root)
    if repo is None:
        raise RepositoryError(f"{root} is not a git repository: --changed-since needs git")
    try:
        base = repo.commit(ref)
    except (git.BadName, ValueError, git.GitCommandError):
        raise RepositoryError(f"unknown git ref {ref!r}") from None
    prefix = Path(root).resolve().relative_to(Path(repo.working_tree_dir or root).resolve())
    names = set(repo.git.diff("--name-only", base.hexsha).splitlines())
    names |= set(repo.untracked_files)
    out = set()
    for name in names:
        path = Path(name)
        if prefix.parts and path.parts[: len(prefix.parts)] != prefix.parts:
            continue
        out.add(Path(*path.parts[len(prefix.parts) :]).as_posix())
    return out


def file_at(root: Path, ref: str, relative: str) -> str | None:
    """A root-relative file's text as it was at ``ref``, or None when it did not exist there."""
    import git

    repo = open_repo(root)
    if repo is None:
        return None
    working = Path(repo.working_tree_dir or root).resolve()
    path = (Path(root).resolve() / relative).relative_to(working).as_posix()
    try:
        return str(repo.git.show(f"{ref}:{path}"))
    except git.GitCommandError:
        return None
