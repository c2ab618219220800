"""Helpers for the sync set, mapping, compare, promote, snapshot and seed-story tests.

A plain module imported by those tests. It builds a *real* git repository in ``tmp_path`` from
the checkout's example environments (``environments/``, ``syncsets.yaml``, ``docs/demo/``),
commits with gitpython under an explicit :class:`git.Actor`, and takes a :class:`GitState`
picture of the repository so that a test can prove a refused command changed nothing: status,
branches, HEAD and every file's bytes. The sandbox account is read and changed from outside the
engine with ``sqlite3`` on ``.syncset/<env>.sqlite`` (table ``records``, fields in the JSON column
``data``), the way a person editing the account by hand would change it.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import pytest
from example_root import EXAMPLE_ROOT
from plan_apply_helpers import account_file, rows

COPIED = ("environments", "syncsets.yaml", "docs/demo")
"""What the seed story needs from the checkout (as ``make demo`` copies it)."""

ACTOR = git.Actor("syncset tests", "tests@syncset.invalid")
BRANCH_PATTERN = r"promote/{src}-to-{dst}/\d{{8}}-\d{{6}}"
"""``promote/SRC-to-DST/<yyyymmdd-hhmmss>``, as a regular expression (``.format`` it)."""

SCRUM_FILES = (
    "agile_boards/expense-reporting.yaml",
    "calendars/app-dev-office-hours.yaml",
    "holidays/christmas-day-2026.yaml",
    "holidays/new-years-day-2027.yaml",
    "product_backlogs/expense-reporting.yaml",
    "scrum_workspaces/application-development.yaml",
    "teams/application-development.yaml",
)
"""The files of the example dev folder: the seed's scrum sync set, one record each."""

RODNEY = "rodney.wilson@wdc.example"
FRANK = "frank.watson@wdc.example"
HOWARD = "howard.tanner@wdc.example"
ANDER = "ander.alkin@widget.example"
HOWARD_EUROPE = "howard.tanner@widget.example"
FRANK_EUROPE = "frank.watson@widget.example"
H_TANNER = "h.tanner@wdc.example"
"""Howard Tanner by an address no account has: ``map --suggest`` proposes him at 0.76."""
QA_MAPPINGS = "environments/qa/mappings.yaml"

QA_PEOPLE = f"""
kind: organization
id: wdc
name: Widget Data Center
---
kind: person
id: frank
name: Frank Watson
primary_email: {FRANK}
---
kind: person
id: howard
name: Howard Tanner
primary_email: {HOWARD_EUROPE}
---
kind: person
id: ander
name: Ander Alkin
primary_email: {ANDER}
"""
"""Widget Europe IT's people (and WDC's organization) for the ``map`` tests' qa account."""


def hermetic_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """No global or system git configuration (hooks, signing, default branch) leaks in."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", ACTOR.name or "")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", ACTOR.email or "")


@dataclass
class GitRepo:
    """A syncset repository under git in a temporary folder."""

    root: Path
    repo: git.Repo
    main: str
    """The branch the repository started on (``master`` or ``main``)."""

    def write(self, relative: str, text: str) -> Path:
        """Write dedented ``text`` (leading newline dropped) to ``root / relative``."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def read(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def commit(self, message: str, *paths: str) -> str:
        """Stage ``paths`` (default: every change, deletions included) and commit them."""
        if paths:
            self.repo.git.add("--all", "--", *paths)
        else:
            self.repo.git.add("--all")
        return self.repo.index.commit(message, author=ACTOR, committer=ACTOR).hexsha

    def branches(self) -> list[str]:
        return sorted(head.name for head in self.repo.heads)

    def promote_branches(self) -> list[str]:
        return [name for name in self.branches() if name.startswith("promote/")]

    def checkout(self, branch: str) -> None:
        self.repo.git.checkout(branch)

    def merge(self, branch: str) -> None:
        """Merge a promotion branch into the main branch, as merging its pull request does."""
        self.repo.git.checkout(self.main)
        self.repo.git.merge("--ff-only", branch)

    def status(self) -> str:
        return self.repo.git.status("--porcelain", "--untracked-files=all")

    def state(self) -> GitState:
        return GitState(
            status=self.status(),
            branches=tuple(self.branches()),
            head=self.repo.head.commit.hexsha,
            active=self.repo.active_branch.name,
            index=self.repo.git.diff("--cached", "--name-status"),
            files=files_of(self.root),
        )


@dataclass(frozen=True)
class GitState:
    """Everything a refused command must leave as it was."""

    status: str
    branches: tuple[str, ...]
    head: str
    active: str
    index: str
    files: dict[str, bytes]


def files_of(root: Path) -> dict[str, bytes]:
    """Every file of the work tree (not ``.git``, not the sandbox accounts) with its bytes."""
    out = {}
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.is_file() and parts[0] not in (".git", ".syncset"):
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def init_repository(root: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """``git init`` in ``root`` with a first commit of what is there; cwd and SYNCSET_ROOT set."""
    hermetic_git(monkeypatch)
    (root / ".gitignore").write_text(".syncset/\n", encoding="utf-8")
    repo = git.Repo.init(root)
    built = GitRepo(root, repo, "")
    built.commit("The example environments")
    built.main = repo.active_branch.name
    monkeypatch.chdir(root)
    monkeypatch.setenv("SYNCSET_ROOT", str(root))
    return built


def seed_repository(root: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A git repository holding a copy of the checkout's examples (dev, qa, prod, sync sets)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        origin = EXAMPLE_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, root / name)
        else:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, root / name)
    return init_repository(root, monkeypatch)


# -- the sandbox account, seen and changed from outside --------------------------------------


def account_path(root: Path, env: str) -> Path:
    return account_file(root, env)


def account_rows(root: Path, env: str, kind: str | None = None) -> list[dict[str, Any]]:
    """The rows of the account's ``records`` table (``data`` parsed), opened read-only."""
    return [row for row in rows(root, env) if kind is None or row["kind"] == kind]


def account_row(root: Path, env: str, kind: str, name: str) -> dict[str, Any]:
    """The one row of ``kind`` whose natural key (name, subject, primary_email) is ``name``."""
    found = [
        row
        for row in account_rows(root, env, kind)
        if name in (row["data"].get(key) for key in ("name", "subject", "primary_email"))
    ]
    assert len(found) == 1, f"expected one {kind} {name!r} in {env}, found {len(found)}"
    return found[0]


def live_id_of_person(root: Path, env: str, email: str) -> str:
    return str(account_row(root, env, "person", email)["live_id"])


def edit_by_hand(root: Path, env: str, kind: str, key: str, /, **fields: Any) -> None:
    """Change fields of one record (found by natural key) in the account's SQLite file, as a
    person at the account's UI would: no ownership marker involved, ``updated_at`` untouched."""
    row = account_row(root, env, kind, key)
    data = {**row["data"], **fields}
    db = sqlite3.connect(account_path(root, env))
    try:
        db.execute(
            "UPDATE records SET data = ? WHERE live_id = ?", (json.dumps(data), row["live_id"])
        )
        db.commit()
    finally:
        db.close()


def config_rows(root: Path, env: str) -> list[dict[str, Any]]:
    """Rows of configuration kinds (not people, organizations or sites)."""
    reference = {"person", "organization", "site"}
    return [row for row in account_rows(root, env) if row["kind"] not in reference]


# -- output ------------------------------------------------------------------------------------


def json_out(result: Any) -> Any:
    """The JSON a command printed (``result`` is conftest's CliResult); fails with its stderr."""
    assert result.code in (0, 2), result.err
    return json.loads(result.out)


def mapping_states(plan: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    """value → (state, target) of every reference a JSON plan lists."""
    return {entry["value"]: (entry["state"], entry["target"]) for entry in plan["mappings"]}


def unmapped_uses(plan: dict[str, Any]) -> dict[str, set[str]]:
    """value → {"kind/id.field", …} of every unmapped value of a JSON plan."""
    return {
        entry["value"]: {f"{use['record']}.{use['field']}" for use in entry["used_by"]}
        for entry in plan["unmapped"]
    }


def map_status_lines(out: str) -> dict[str, tuple[str, str, str | None, str]]:
    """state, kind, value and target of each line ``map`` prints about a reference."""
    found = {}
    for line in out.splitlines():
        match = re.match(r"^  (\w+) +(\w+) (.+?)(?: → (.+?))?  \((.*)\)$", line)
        if match:
            state, kind, value, target, uses = match.groups()
            found[value] = (state, kind, target, uses)
    return found
