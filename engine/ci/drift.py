"""Drift: what the live account has that git does not say.

A plan answers "what would apply change?"; drift asks the same question the other way round,
after the fact: nobody changed git, so every pending change of a plan is something someone did in
the account by hand (or that a failed apply left behind). The facts are the plan's; only the
words turn around: a field is *in the account* one value and *in git* another, a record is
*missing from the account*, or *in the account without the marker*.

Records only in the account that syncset does not manage are not drift (git never claimed them),
nor are managed records the policy keeps; they stay in the plan for whoever wants them.

:func:`snapshot_branch` takes the other way out: instead of reverting the account at the next
apply, it writes the live values into a new git branch with ``syncset snapshot``, so the drift
can be adopted through a pull request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from syncset.errors import RefusedError, RepositoryError
from syncset.plan.model import Action, FieldChange, Plan
from syncset.promotion.gitrepo import open_repo
from syncset.render.values import SENSITIVE, shown
from syncset.workflow import PlanRun

WHAT = {
    Action.UPDATE: "changed in the account",
    Action.CREATE: "missing from the account",
    Action.ADOPT: "in the account without the ownership marker",
    Action.DISABLE: "in the account, no longer in git",
    Action.DELETE: "in the account, no longer in git",
}
"""How each kind of pending change reads as drift."""


@dataclass(frozen=True)
class DriftItem:
    kind: str
    id: str
    action: Action
    fields: tuple[FieldChange, ...]

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.id}"

    @property
    def what(self) -> str:
        return WHAT[self.action]


@dataclass(frozen=True)
class Drift:
    environment: str
    account: str
    items: tuple[DriftItem, ...]
    unmapped: int = 0

    @property
    def found(self) -> bool:
        return bool(self.items)


def drift_of(plan: Plan) -> Drift:
    """The plan's pending changes, seen as drift."""
    items = tuple(DriftItem(c.kind, c.id, c.action, c.changes) for c in plan.pending)
    return Drift(plan.environment, plan.account, items, len(plan.unmapped))


def _values(change: FieldChange) -> tuple[str, str]:
    """(in the account, in git) for one field; plans say before = account, after = git."""
    if change.sensitive:
        return SENSITIVE, SENSITIVE
    account = "(not set)" if change.before is None else shown(change.before)
    git = "(not set)" if change.after is None else shown(change.after)
    return account, git


def _counts(drift: Drift) -> str:
    words = sorted({item.what for item in drift.items}, key=list(WHAT.values()).index)
    return ", ".join(f"{sum(1 for i in drift.items if i.what == w)} {w}" for w in words)


def drift_text(drift: Drift) -> str:
    if not drift.found:
        return f"No drift in {drift.environment} ({drift.account}): the account matches git.\n"
    count = len(drift.items)
    lines = [
        f"Drift in {drift.environment} ({drift.account}): {count} record"
        f"{'s differ' if count != 1 else ' differs'} from git"
    ]
    for item in drift.items:
        lines.append(f"  {item.ref}: {item.what}")
        if item.action is Action.UPDATE:
            for change in item.fields:
                account, git = _values(change)
                lines.append(f"      {change.field}: account {account} · git {git}")
    lines.append(f"Drift: {_counts(drift)}.")
    if drift.unmapped:
        lines.append(f"Note: {drift.unmapped} references are unmapped (see `syncset map`).")
    return "\n".join(lines) + "\n"


def drift_markdown(drift: Drift, heading_level: int = 3) -> str:
    """For an issue body: a table of the fields that differ, record by record."""
    head = f"{'#' * heading_level} Drift in `{drift.environment}`"
    if not drift.found:
        return f"{head}\n\n✅ No drift: the account matches git.\n"
    count = len(drift.items)
    records = f"{count} record{'s' if count != 1 else ''} drifted"
    lines = [head, "", f"⚠️ **{records}**: {_counts(drift)}.", ""]
    lines += ["| record | drift | field | in the account | in git |", "|---|---|---|---|---|"]
    for item in drift.items:
        rows = item.fields if item.action is Action.UPDATE else ()
        if not rows:
            lines.append(f"| `{item.ref}` | {item.what} | | | |")
        for change in rows:
            account, git = (_cell(v) for v in _values(change))
            lines.append(f"| `{item.ref}` | {item.what} | `{change.field}` | {account} | {git} |")
    lines += ["", f"Account: {_cell(drift.account)}", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def drift_json(drifts: list[Drift]) -> str:
    body = [
        {
            "environment": d.environment,
            "account": d.account,
            "drift": [
                {
                    "record": i.ref,
                    "drift": i.what,
                    "fields": [
                        dict(zip(("field", "account", "git"), (c.field, *_values(c)), strict=True))
                        for c in i.fields
                    ],
                }
                for i in d.items
            ],
        }
        for d in drifts
    ]
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def snapshot_branch(run: PlanRun, drift: Drift, now: datetime | None = None) -> str | None:
    """Write the drifted kinds' live values on a new branch; returns its name (None: no drift).

    The working tree is back on the original branch afterwards; the branch holds one commit.
    Refuses when the environment folder has uncommitted changes, which the commit would mix in.
    """
    from syncset.promotion.snapshot import snapshot

    if not drift.found:
        return None
    root = run.environment.root
    repo = open_repo(root)
    if repo is None:
        raise RepositoryError(f"{root} is not a git repository: --snapshot-branch needs git")
    folder = run.environment.relative_folder
    prefix = Path(root).resolve().relative_to(Path(repo.working_tree_dir or root).resolve())
    path = (prefix / folder).as_posix()
    if repo.is_dirty(path=path) or any(f.startswith(f"{path}/") for f in repo.untracked_files):
        raise RefusedError(
            f"{folder} has uncommitted changes: commit or stash them before --snapshot-branch"
        )
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    branch = f"drift/{drift.environment}/{stamp}"
    original = repo.active_branch.name if not repo.head.is_detached else repo.head.commit.hexsha
    head = repo.create_head(branch)
    head.checkout()
    committed = False
    try:
        snapshot(run.resolution, sorted({item.kind for item in drift.items}))
        repo.git.add("--all", "--", path)
        if repo.index.diff("HEAD"):
            refs = "\n".join(f"- {item.ref}: {item.what}" for item in drift.items)
            repo.index.commit(
                f"Adopt drift of {drift.environment} from the live account\n\n"
                f"Written by `syncset drift {drift.environment} --snapshot-branch`:\n\n{refs}\n"
            )
            committed = True
    finally:
        if not committed:  # the folder was clean before: put it back as it was
            repo.git.checkout("HEAD", "--", path)
            repo.git.clean("-fdq", "--", path)
        repo.git.checkout(original)
    if not committed:
        repo.delete_head(head, force=True)
        return None
    return branch
