"""The git side of a promotion: the branch it is made on and one commit per destination.

A promotion to one environment is one commit on ``promote/SRC-to-DST/<stamp>``; a promotion to
many is one branch ``promote/SRC-to-N-environments/<stamp>`` with a commit per destination, so
the pull request shows each destination's change on its own (and a reviewer can drop one by
reverting its commit). A glob such as ``customers/*`` is never part of a branch name: ``*`` is
not allowed in a git ref, and a count reads better than a sanitised pattern.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import git


def branch_base(source: str, destinations: Sequence[str], now: datetime) -> str:
    """``promote/dev-to-qa/<stamp>`` for one destination, ``promote/dev-to-3-environments/
    <stamp>`` for several (UTC, ``yyyymmdd-hhmmss``)."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    if len(destinations) == 1:
        return f"promote/{source}-to-{destinations[0]}/{stamp}"
    return f"promote/{source}-to-{len(destinations)}-environments/{stamp}"


def commit_promotions(
    repo: git.Repo, base: str, commits: Sequence[tuple[Sequence[str], str]]
) -> tuple[str, list[str]]:
    """Make each commit (its paths, its message), in order, on a new branch named after
    ``base``; returns the branch and the commits' shas. On any refusal git is left as it was
    (branch deleted, previous HEAD checked out, index as before); the caller puts the files
    back.

    ``git commit --only -- paths`` keeps whatever else the user had staged out of the commits
    (and staged), and runs the repository's hooks like any commit.
    """
    branch = _unused(repo, base)
    previous = repo.active_branch.name if not repo.head.is_detached else repo.head.commit.hexsha
    repo.git.checkout("-b", branch)
    shas: list[str] = []
    paths: list[str] = []
    try:
        for files, message in commits:
            paths = sorted(files)
            repo.git.add("--", *paths)
            repo.git.commit("-m", message, "--only", "--", *paths, env=_identity(repo))
            shas.append(repo.head.commit.hexsha)
    except git.GitCommandError:
        if paths:
            repo.git.reset("-q", "--", *paths)
        repo.git.checkout("-q", previous)
        repo.git.branch("-D", branch)
        raise
    return branch, shas


def _unused(repo: git.Repo, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``… for a second promotion within the same second."""
    taken = {head.name for head in repo.heads}
    branch, suffix = base, 2
    while branch in taken:
        branch = f"{base}-{suffix}"
        suffix += 1
    return branch


def _identity(repo: git.Repo) -> dict[str, str]:
    """A committer identity for machines without one (fresh CI runners); git's own otherwise."""
    reader = repo.config_reader()
    if reader.get_value("user", "email", default="") and reader.get_value(
        "user", "name", default=""
    ):
        return {}
    return {
        "GIT_AUTHOR_NAME": "syncset",
        "GIT_AUTHOR_EMAIL": "syncset@localhost",
        "GIT_COMMITTER_NAME": "syncset",
        "GIT_COMMITTER_EMAIL": "syncset@localhost",
    }
