"""``syncset ci apply``: saved plans or fresh ones, per environment, and apply.md."""

from __future__ import annotations

import os
import socket
import sqlite3
import time

import pytest
from ci_helpers import git, hand_edit
from plan_apply_helpers import lock_held_by

TEAM = "kind: team\nid: {id}\nname: {name}\n"


@pytest.fixture
def merged(repo, cli):
    """dev and qa with a new team each on main, planned by ``ci plan`` into ``plans/``."""
    repo.add_environment("qa", extra="promotes_from: dev\n")
    (repo.root / ".gitignore").write_text(".syncset/\nplans/\nsyncset-out/\n", encoding="utf-8")
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "start")
    for env in ("dev", "qa"):
        repo.write(f"environments/{env}/teams/a.yaml", TEAM.format(id="a", name="A"))
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "a team")
    assert cli("ci", "plan", "--base", "HEAD~1", "--out-dir", "plans").code == 2
    return repo


def report(repo) -> str:
    return (repo.root / "syncset-out" / "apply.md").read_text(encoding="utf-8")


def managed_teams(repo, env: str) -> int:
    """Teams the sandbox holds with the ownership marker (0 for an account never written)."""
    path = repo.root / ".syncset" / f"{env}.sqlite"
    if not path.exists():
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        query = "SELECT COUNT(*) FROM records WHERE kind = 'team' AND source = 'syncset'"
        return int(db.execute(query).fetchone()[0])
    except sqlite3.OperationalError:  # no table yet: nothing was ever written
        return 0
    finally:
        db.close()


def test_saved_plans_of_the_changed_environments_are_applied(merged, cli):
    result = cli("ci", "apply", "--plans", "plans", "--base", "HEAD~1", "--auto-approve")

    assert result.code == 0, result.out + result.err
    assert "dev: completed: 1 applied" in result.out
    assert "qa: completed: 1 applied" in result.out
    text = report(merged)
    assert "| `dev` | ✅ completed | saved plan |" in text
    assert "| `qa` | ✅ completed | saved plan |" in text
    assert "**2 environments: 2 completed, 0 failed, 0 stale, 0 skipped**" in text
    assert managed_teams(merged, "qa") == 1


def test_without_saved_plans_each_environment_is_planned_and_applied(merged, cli):
    result = cli("ci", "apply", "--env", "qa", "--auto-approve")

    assert result.code == 0, result.err
    assert "| `qa` | ✅ completed | planned at apply |" in report(merged)
    assert managed_teams(merged, "qa") == 1
    assert managed_teams(merged, "dev") == 0


def test_ci_implies_auto_approve(merged, cli, monkeypatch):
    monkeypatch.setenv("CI", "true")

    assert cli("ci", "apply", "--env", "qa").code == 0


def test_outside_ci_without_auto_approve_nothing_is_applied(merged, cli, monkeypatch):
    monkeypatch.delenv("CI", raising=False)

    result = cli("ci", "apply", "--env", "qa")

    assert result.code == 1
    assert "apply needs confirmation" in result.out
    assert managed_teams(merged, "qa") == 0


def test_a_plan_of_a_folder_changed_since_is_stale_and_not_applied(merged, cli):
    merged.write("environments/qa/teams/a.yaml", TEAM.format(id="a", name="A renamed"))

    result = cli("ci", "apply", "--plans", "plans", "--auto-approve")

    assert result.code == 1
    assert "qa: stale: environments/qa changed since this plan was made" in result.out
    assert "| `qa` | ⚠️ stale | saved plan |" in report(merged)
    assert "| `dev` | ✅ completed |" in report(merged)
    assert managed_teams(merged, "qa") == 0


def test_records_changed_in_the_account_since_planning_are_stale(merged, cli):
    assert cli("apply", "qa", "--auto-approve").code == 0
    merged.write("environments/qa/teams/a.yaml", TEAM.format(id="a", name="A2"))
    assert cli("ci", "plan", "--base", "HEAD", "--out-dir", "plans").code == 2
    hand_edit(merged.root, "qa", "team", "name", "Changed by hand")

    result = cli("ci", "apply", "--plans", "plans", "--env", "qa", "--auto-approve")

    assert result.code == 1
    assert "qa: stale: 0 applied, 0 failed, 0 skipped, 1 stale" in result.out
    assert "changed in the account since planning" in report(merged)


def test_an_environment_with_references_to_map_is_skipped(merged, cli):
    merged.write(
        "environments/qa/teams/b.yaml",
        TEAM.format(id="b", name="B") + "manager: nobody@nowhere.example\n",
    )

    result = cli("ci", "apply", "--env", "qa", "--auto-approve")

    assert result.code == 1
    assert "qa: skipped: the plan for qa is Being Prepared" in result.out
    assert "nobody@nowhere.example" in report(merged)
    assert managed_teams(merged, "qa") == 0


def test_a_named_environment_without_a_saved_plan_is_skipped(merged, cli):
    (merged.root / "plans" / "qa.plan.json").unlink()

    result = cli("ci", "apply", "--plans", "plans", "--env", "qa", "--env", "dev", "--auto-approve")

    assert result.code == 1
    assert "qa: skipped: no saved plan qa.plan.json" in result.out
    assert "dev: completed" in result.out


def test_a_locked_environment_fails_and_the_others_still_run(merged, cli):
    holder = {"owner": "someone", "pid": os.getpid(), "host": socket.gethostname()}
    holder |= {"command": "apply", "started_at": "now", "started_epoch": time.time()}

    with lock_held_by(merged.root, holder, "qa"):
        result = cli("ci", "apply", "--base", "HEAD~1", "--auto-approve")

    assert result.code == 1
    assert "qa: failed: qa is locked by someone" in result.out
    assert "dev: completed" in result.out


def test_nothing_to_apply_without_env_base_or_plans_is_an_error(merged, cli):
    result = cli("ci", "apply")

    assert result.code == 1
    assert "needs --env, --base or --plans" in result.err
