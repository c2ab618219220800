"""The commit a plan records (promotion/gitrepo.py ``LastCommit``): asked of the ``git``
program itself, beside the plan, and never waited for when the plan fails: the hash alone
whatever git is configured to print, None outside git, and git's own reading of a relative
``GIT_DIR`` (from where the command was run)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from ci_helpers import git

from syncset.errors import ConfigError
from syncset.promotion.gitrepo import LastCommit, head_commit
from syncset.workflow import plan_environment


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "environments" / "dev").mkdir(parents=True)
    (root / "environments" / "dev" / "a.yaml").write_text("a: 1\n")
    (root / "other.txt").write_text("x\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "environments")
    git(root, "commit", "-q", "-m", "the folder")
    git(root, "add", "other.txt")
    git(root, "commit", "-q", "-m", "elsewhere")
    return root


def test_the_last_commit_of_a_folder_and_head(repository: Path) -> None:
    folder_commit = git(repository, "rev-list", "-1", "HEAD", "--", "environments")
    assert LastCommit(repository, repository / "environments").answer() == folder_commit
    assert head_commit(repository) == git(repository, "rev-parse", "HEAD")
    assert folder_commit != git(repository, "rev-parse", "HEAD")


def test_only_the_hash_whatever_git_is_configured_to_show(repository: Path) -> None:
    git(repository, "config", "log.showSignature", "true")
    git(repository, "config", "format.pretty", "format:commit %H by %an")
    assert head_commit(repository) == git(repository, "rev-parse", "HEAD")


def test_anything_but_a_hash_is_no_commit(
    repository: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_git(tmp_path, monkeypatch, 'echo "gpg: Signature made today"\necho "$(printf %040d 7)"')
    assert head_commit(repository) is None


def test_none_outside_git_and_without_commits(tmp_path: Path) -> None:
    assert head_commit(tmp_path) is None
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    assert head_commit(empty) is None
    assert head_commit(tmp_path / "gone") is None


def test_none_without_a_git_program(
    repository: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    assert head_commit(repository) is None


def test_a_relative_git_dir_is_read_from_where_the_command_runs(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repository)
    monkeypatch.setenv("GIT_DIR", ".git")  # as git hooks set it
    assert head_commit(repository / "environments") == git(repository, "rev-parse", "HEAD")


def fake_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """A ``git`` first on PATH that runs ``script`` (sh) whatever it is asked."""
    programs = tmp_path / "programs"
    programs.mkdir()
    program = programs / "git"
    program.write_text(f"#!/bin/sh\n{script}\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{programs}{os.pathsep}{os.environ['PATH']}")


def slow_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``git`` that takes 5 s to answer."""
    fake_git(tmp_path, monkeypatch, "sleep 5\necho 0000000000000000000000000000000000000000")


def test_a_cancelled_git_is_stopped_not_waited_for(
    repository: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_git(tmp_path, monkeypatch)
    started = time.monotonic()
    reader = LastCommit(repository)
    reader.cancel()
    assert time.monotonic() - started < 2
    assert reader.answer() is None


def test_a_plan_that_fails_does_not_wait_for_git(
    repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("environments/dev/teams/t.yaml", "kind: team\nid: t\nname: [not, a, name]\n")
    slow_git(tmp_path, monkeypatch)
    started = time.monotonic()
    with pytest.raises(ConfigError):
        plan_environment(repo.root, "dev")
    assert time.monotonic() - started < 2
