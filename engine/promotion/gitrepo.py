"""The few facts syncset reads from git (through gitpython), in one place.

GitPython is imported by the functions that use it (about 35 ms): every plan records its
commit, which :class:`LastCommit` asks the ``git`` program for directly (as GitPython would
run it), so that a plan neither imports GitPython nor waits for git's answer.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
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
    return LastCommit(root, folder).answer()


_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_GIT_PATHS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
)


class LastCommit:
    """``git rev-list -1 HEAD [-- folder]``, started in ``root`` when made: the last commit
    that touched ``folder`` (HEAD when no folder), or None outside a repository, in one
    without commits, or without git. Started early, git runs beside the plan in a process of
    its own; :meth:`answer` waits for it, :meth:`cancel` stops it (a plan that failed does
    not wait for git to tell its error)."""

    def __init__(self, root: Path, folder: Path | None = None) -> None:
        command = ["git", "rev-list", "-1", "HEAD"]  # no signature or format to configure
        if folder is not None:
            command += ["--", str(folder)]
        self._answered = False
        self._commit: str | None = None
        try:
            self._child: subprocess.Popen[bytes] | None = subprocess.Popen(
                command,
                cwd=root,
                env=_git_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:  # no git program, or root is gone
            self._child = None

    def answer(self) -> str | None:
        """The commit (asked again, the same answer without waiting)."""
        if not self._answered and self._child is not None:
            output, _ = self._child.communicate()
            found = output.decode("ascii", errors="replace").strip()
            if self._child.returncode == 0 and _COMMIT.fullmatch(found):
                self._commit = found
        self._answered = True
        return self._commit

    def cancel(self) -> None:
        """Stop git if its answer was not asked for (and reap it)."""
        if not self._answered and self._child is not None:
            self._child.kill()
            if self._child.stdout is not None:  # not read: a process git started may hold it
                self._child.stdout.close()
            self._child.wait()
        self._answered = True


def _git_environment() -> dict[str, str]:
    """This process's environment for git, with the paths git reads from it made absolute:
    a relative ``GIT_DIR`` (as git hooks set) means the folder the command was run from, not
    the root git runs in."""
    environ = dict(os.environ)
    for name in _GIT_PATHS:
        value = environ.get(name)
        if value and not os.path.isabs(value):
            environ[name] = os.path.abspath(value)
    return environ


if sys.platform == "win32":  # never a git.exe found in the current folder (a checkout's own)
    os.environ.setdefault("NoDefaultCurrentDirectoryInExePath", "1")


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
