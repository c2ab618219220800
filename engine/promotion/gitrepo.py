"""The few facts syncset reads from git (through gitpython), in one place."""

from __future__ import annotations

from pathlib import Path

import git

from syncset.errors import RepositoryError


def open_repo(root: Path) -> git.Repo | None:
    """The git repository holding ``root``, or None when it is not under git."""
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def head_commit(root: Path, folder: Path | None = None) -> str | None:
    """The last commit that touched ``folder`` (HEAD when no folder), or None without git."""
    repo = open_repo(root)
    if repo is None:
        return None
    try:
        if folder is None:
            return repo.head.commit.hexsha
        found = repo.git.log("-1", "--format=%H", "--", str(folder))
    except (ValueError, git.GitCommandError):  # a repository without commits
        return None
    return found.strip() or None


def changed_files(root: Path, ref: str) -> set[str]:
    """Repository-relative paths changed since ``ref``: committed, staged, unstaged, untracked."""
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
    repo = open_repo(root)
    if repo is None:
        return None
    working = Path(repo.working_tree_dir or root).resolve()
    path = (Path(root).resolve() / relative).relative_to(working).as_posix()
    try:
        return str(repo.git.show(f"{ref}:{path}"))
    except git.GitCommandError:
        return None
