"""``syncset drift``: what the account has that git does not say, exit 2; --snapshot-branch."""

from __future__ import annotations

import json
import sqlite3

import pytest
from ci_helpers import git, hand_edit

TEAM = "kind: team\nid: a\nname: A\nremarks: From git\n"


@pytest.fixture
def applied(repo, cli):
    """dev with one team, applied, committed on main: no drift."""
    repo.write("environments/dev/teams/a.yaml", TEAM)
    (repo.root / ".gitignore").write_text(".syncset/\n", encoding="utf-8")
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "start")
    assert cli("apply", "dev", "--auto-approve").code == 0
    return repo


def test_an_account_that_matches_git_has_no_drift_and_exits_0(applied, cli):
    result = cli("drift", "dev")

    assert result.code == 0, result.err
    assert result.out == "No drift in dev (sandbox .syncset/dev.sqlite): the account matches git.\n"


def test_a_hand_edit_is_reported_as_drift_with_both_values_and_exits_2(applied, cli):
    hand_edit(applied.root, "dev", "team", "remarks", "Edited by hand")

    result = cli("drift", "dev")

    assert result.code == 2
    assert result.out.splitlines() == [
        "Drift in dev (sandbox .syncset/dev.sqlite): 1 record differs from git",
        "  team/a: changed in the account",
        '      remarks: account "Edited by hand" · git "From git"',
        "Drift: 1 changed in the account.",
    ]
    assert "change" not in result.out.replace("changed in the account", "")


def test_a_record_deleted_by_hand_is_missing_from_the_account(applied, cli):
    db = sqlite3.connect(applied.root / ".syncset" / "dev.sqlite")
    db.execute("DELETE FROM records WHERE kind = 'team'")
    db.commit()
    db.close()

    result = cli("drift", "dev", "--format", "json")

    assert result.code == 2
    [env] = json.loads(result.out)
    assert [(d["record"], d["drift"]) for d in env["drift"]] == [
        ("team/a", "missing from the account")
    ]


def test_markdown_for_the_drift_issue_is_written_with_out(applied, cli):
    hand_edit(applied.root, "dev", "team", "remarks", "Edited | by hand")

    result = cli("drift", "dev", "--out", "drift.md")

    assert result.code == 2
    text = (applied.root / "drift.md").read_text(encoding="utf-8")
    assert "### Drift in `dev`" in text
    assert "⚠️ **1 record drifted**: 1 changed in the account." in text
    assert '| `team/a` | changed in the account | `remarks` | "Edited \\| by hand" |' in text


def test_an_environment_that_fails_makes_the_run_exit_1_but_the_others_are_checked(applied, cli):
    hand_edit(applied.root, "dev", "team", "remarks", "Edited by hand")

    result = cli("drift", "dev", "nosuch")

    assert result.code == 1
    assert "Drift in dev" in result.out
    assert "error: nosuch: unknown environment 'nosuch'" in result.err


def test_snapshot_branch_commits_the_live_values_and_returns_to_the_branch(applied, cli):
    hand_edit(applied.root, "dev", "team", "remarks", "Edited by hand")

    result = cli("drift", "dev", "--snapshot-branch")

    assert result.code == 2
    [branch] = git(applied.root, "branch", "--list", "drift/dev/*").split()
    assert f"dev: live values written to branch {branch}" in result.err
    adopted = git(applied.root, "show", f"{branch}:environments/dev/teams/a.yaml")
    assert "remarks: Edited by hand" in adopted
    assert git(applied.root, "branch", "--show-current") == "main"
    assert git(applied.root, "status", "--porcelain") == ""
    assert "Adopt drift of dev" in git(applied.root, "log", "-1", "--format=%s", branch)


def test_snapshot_branch_refuses_a_folder_with_uncommitted_changes(applied, cli):
    hand_edit(applied.root, "dev", "team", "remarks", "Edited by hand")
    applied.write("environments/dev/teams/a.yaml", TEAM + "# work in progress\n")

    result = cli("drift", "dev", "--snapshot-branch")

    assert result.code == 1
    assert "environments/dev has uncommitted changes" in result.err
    assert git(applied.root, "branch", "--list", "drift/*") == ""


def test_without_drift_no_branch_is_made(applied, cli):
    assert cli("drift", "dev", "--snapshot-branch").code == 0
    assert git(applied.root, "branch", "--list", "drift/*") == ""


def test_an_error_never_shows_a_secret_read_with_env(applied, cli, monkeypatch):
    monkeypatch.setenv("QA_ACCOUNT_KEY", "s3cret-account-key")
    applied.add_environment(
        "qa",
        account="provider: sandbox\npath: \"{{ env('QA_ACCOUNT_KEY') }}/qa.sqlite\"\ncreate: false",
    )

    result = cli("drift", "qa")

    assert result.code == 1
    assert "sandbox account ***/qa.sqlite does not exist" in result.err
    assert "s3cret-account-key" not in result.out + result.err
