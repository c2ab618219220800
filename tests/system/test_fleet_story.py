"""The fleet end to end, as an MSP runs it: one promotion to 50 customer accounts, one plan
comment for all of them, an apply of every one, and a plan that finds nothing left to do.

Fifty sandbox accounts (``customers/c00`` … ``c49``), each promoted from ``dev`` and each with
its own account file; the promotion, CI plan and CI apply are the commands the shipped
workflows run.
"""

from __future__ import annotations

import pytest
from ci_helpers import git

from syncset.ci.comment import COMMENT_LIMIT

CUSTOMERS = [f"customers/c{i:02d}" for i in range(50)]
CALENDAR = """
kind: calendar
id: office-hours
name: Office hours
hours:
  - {weekday: mon, time_from: "08:00", time_until: "17:00"}
  - {weekday: tue, time_from: "08:00", time_until: "17:00"}
"""
SYNC_SETS = """
version: 1
sync_sets:
  calendars:
    title: Calendars and their holidays
    root: calendar
"""


@pytest.fixture
def msp(repo):
    """dev with an office-hours calendar, 50 customers promoted from dev, committed on main."""
    repo.add_environment("dev")
    repo.write("environments/dev/calendars/office-hours.yaml", CALENDAR)
    for env in CUSTOMERS:
        repo.add_environment(env, extra="promotes_from: dev\n")
    repo.write("syncsets.yaml", SYNC_SETS)
    (repo.root / ".gitignore").write_text(".syncset/\nsyncset-out/\n", encoding="utf-8")
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "the fleet")
    return repo


def test_one_promotion_to_50_accounts_one_comment_then_applied_and_planned_clean(msp, cli):
    promoted = cli("promote", "dev", "customers/*", "--sync-set", "calendars", "--pr-body", "pr.md")

    assert promoted.code == 0, promoted.out + promoted.err
    assert "with 50 commits, one per environment" in promoted.out
    body = (msp.root / "pr.md").read_text(encoding="utf-8")
    assert len(body) <= COMMENT_LIMIT
    assert body.count("| ✅ Prepared | 1 |") == 50
    commits = git(msp.root, "log", "--format=%s", "main..HEAD").splitlines()
    assert len(commits) == 50 and all(c.startswith("Promote dev → customers/") for c in commits)

    planned = cli("ci", "plan", "--base", "main", "--workers", "8")

    assert planned.code == 2, planned.out + planned.err
    comment = (msp.root / "syncset-out" / "comment.md").read_text(encoding="utf-8")
    assert len(comment) <= COMMENT_LIMIT
    assert "**50 environments, 50 with changes, 0 without, 0 failed**" in comment
    for env in CUSTOMERS:
        assert f"| `{env}` | ✅ Prepared | 1 to create | 0 |" in comment

    applied = cli("ci", "apply", "--plans", "syncset-out", "--auto-approve")

    assert applied.code == 0, applied.out + applied.err
    assert applied.out.count(": completed: 1 applied") == 50

    again = cli("ci", "plan", "--base", "main")

    assert again.code == 0, again.out + again.err
    clean = (msp.root / "syncset-out" / "comment.md").read_text(encoding="utf-8")
    assert "**50 environments, 0 with changes, 50 without, 0 failed**" in clean
