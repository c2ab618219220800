"""Re-keying end to end on the sandbox (issue #13): a record's YAML id changes, its name does not.

``team/ops`` is applied, then its file says ``id: operations``. Without consent the plan says
*re-keyed* and apply writes nothing for it (no create that collides with the name, no removal
of the old record); with ``moved:`` in environment.yaml or ``--rekey`` apply rewrites the
record's ownership marker, and the next plan is clean.
"""

from __future__ import annotations

import json

import pytest
from plan_apply_helpers import (
    change_of,
    duplicates,
    hand_create,
    make_plan,
    managed_rows,
    pending,
    row_of,
)

from syncset.plan.model import Reason, Status
from syncset.providers.base import Marker

TEAM = "environments/dev/teams/ops.yaml"
TEMPLATE = "environments/dev/request_templates/reset.yaml"
MOVED = """
moved:
  - from: team/ops
    to: team/operations
"""


def write_team(repo, record_id: str, remarks: str = "Runs the platform") -> None:
    repo.write(
        TEAM,
        f"""
        kind: team
        id: {record_id}
        name: Operations
        remarks: {remarks}
        """,
    )
    repo.write(
        TEMPLATE,
        f"""
        kind: request_template
        id: reset
        subject: Reset a password
        team: {record_id}
        """,
    )


@pytest.fixture
def rekeyed(repo, cli):
    """team/ops applied (with a request template that points at it), then re-keyed in YAML."""
    write_team(repo, "ops")
    result = cli("apply", "dev", "--auto-approve")
    assert result.code == 0, result.out + result.err
    write_team(repo, "operations")
    return repo


def markers(repo) -> dict[str, str]:
    return {
        row["data"]["name"]: row["source_id"]
        for row in managed_rows(repo.root)
        if row["kind"] == "team"
    }


# -- without consent --------------------------------------------------------------------------


def test_without_consent_the_plan_says_rekeyed_and_exits_2_with_detailed_exitcode(rekeyed, cli):
    result = cli("plan", "dev", "--detailed-exitcode")

    assert result.code == 2
    assert "Re-keyed in the YAML (not written until the move is confirmed):" in result.out
    assert "! team/operations  (re-keyed from team/ops: " in result.out
    assert "moved: [{from: team/ops, to: team/operations}]" in result.out
    assert "environments/dev/environment.yaml or run with --rekey" in result.out
    assert "Plan: no changes" in result.out, "nothing to create, nothing to remove"
    assert "1 re-keyed records wait for moved: or --rekey." in result.out
    assert "The account matches the configuration." not in result.out
    plan = make_plan(rekeyed.root)
    assert pending(plan) == {}, "no create of team/operations, no removal of team/ops"


def test_without_consent_apply_refuses_the_record_creates_nothing_and_the_next_plan_says_it_again(
    rekeyed, cli
):
    before = [(r["live_id"], r["source_id"]) for r in managed_rows(rekeyed.root)]

    result = cli("apply", "dev", "--auto-approve")

    assert result.code == 1, "the account does not match its YAML: CI must not show green"
    assert "refused  ! team/operations: re-keyed from team/ops" in result.out
    assert "Nothing applied: 1 records refused (see above)." in result.out
    assert [(r["live_id"], r["source_id"]) for r in managed_rows(rekeyed.root)] == before
    again = change_of(make_plan(rekeyed.root), "team/operations")
    assert (again.status, again.reason_code) == (Status.REKEYED, Reason.REKEY_UNCONFIRMED)


def test_without_consent_the_other_changes_are_applied_and_the_refusal_fails_the_run(rekeyed, cli):
    rekeyed.write(
        "environments/dev/teams/support.yaml",
        """
        kind: team
        id: support
        name: Support
        """,
    )

    result = cli("apply", "dev", "--auto-approve")

    assert result.code == 1, result.out + result.err
    assert "applied  + team/support (create)" in result.out
    assert "refused  ! team/operations" in result.out
    assert "Apply of dev: Completed (1 applied, 0 failed, 0 skipped, 0 stale)." in result.out
    assert "1 records were refused (see above)" in result.out
    assert markers(rekeyed) == {"Operations": "ops", "Support": "support"}


# -- with consent -----------------------------------------------------------------------------


def test_with_moved_apply_rewrites_the_marker_and_the_next_plan_has_no_changes(rekeyed, cli):
    rekeyed.add_environment("dev", extra=MOVED)
    live_id = row_of(rekeyed.root, "team", "Operations")["live_id"]

    shown = cli("plan", "dev")
    assert "~ team/operations  update (re-keyed from team/ops)" in shown.out
    assert (
        "re-key consented (moved: in environment.yaml): apply rewrites its ownership marker "
        "from team/ops to team/operations" in shown.out
    )
    result = cli("apply", "dev", "--auto-approve")

    assert result.code == 0, result.out + result.err
    assert "applied  ~ team/operations (update)" in result.out
    assert markers(rekeyed) == {"Operations": "operations"}
    assert row_of(rekeyed.root, "team", "Operations")["live_id"] == live_id, "moved, not re-made"
    assert duplicates(rekeyed.root) == {}
    template = row_of(rekeyed.root, "request_template", "Reset a password")
    assert template["data"]["team"] == live_id
    after = cli("plan", "dev", "--detailed-exitcode")
    assert after.code == 0, after.out
    assert "Plan: no changes" in after.out
    assert "The account matches the configuration." in after.out


def test_with_rekey_apply_moves_the_marker_and_writes_the_differences_too(rekeyed, cli):
    write_team(rekeyed, "operations", remarks="Runs the platform, day and night")

    result = cli("apply", "dev", "--auto-approve", "--rekey")

    assert result.code == 0, result.out + result.err
    assert markers(rekeyed) == {"Operations": "operations"}
    team = row_of(rekeyed.root, "team", "Operations")
    assert team["data"]["remarks"] == "Runs the platform, day and night"
    assert duplicates(rekeyed.root) == {}
    assert pending(make_plan(rekeyed.root)) == {}
    assert cli("plan", "dev").out.count("no changes") == 1


def test_a_saved_plan_made_with_rekey_carries_the_move_to_apply(rekeyed, cli):
    assert cli("plan", "dev", "--rekey", "--out", "plan.json").code == 0
    saved = json.loads((rekeyed.root / "plan.json").read_text())
    (change,) = [c for c in saved["changes"] if c["id"] == "operations"]
    assert (change["action"], change["rekeyed_from"], change["reason_code"]) == (
        "update",
        "ops",
        "rekeyed",
    )
    assert all("rekeyed_from" not in c for c in saved["changes"] if c["id"] != "operations")

    shown = cli("show", "plan.json")
    assert "~ team/operations  update (re-keyed from team/ops)" in shown.out
    result = cli("apply", "plan.json")

    assert result.code == 0, result.out + result.err
    assert markers(rekeyed) == {"Operations": "operations"}
    assert pending(make_plan(rekeyed.root)) == {}


def test_a_saved_plan_without_the_move_does_not_write_the_record(rekeyed, cli):
    assert cli("plan", "dev", "--out", "plan.json").code == 0

    result = cli("apply", "plan.json")

    assert result.code == 1, result.out + result.err
    assert "refused  ! team/operations" in result.out
    assert markers(rekeyed) == {"Operations": "ops"}


def test_rekey_with_a_saved_plan_is_refused_with_a_message(rekeyed, cli):
    assert cli("plan", "dev", "--out", "plan.json").code == 0

    result = cli("apply", "plan.json", "--rekey")

    assert result.code == 1
    assert "--rekey is for planning" in result.err
    assert markers(rekeyed) == {"Operations": "ops"}


def test_a_rekey_is_a_risky_change_in_what_apply_shows_before_asking(rekeyed, cli):
    result = cli("apply", "dev", "--auto-approve", "--rekey")

    assert "Risky changes (1):" in result.out
    assert "~ team/operations  update (re-keyed from team/ops)" in result.out


def test_markdown_and_json_show_the_rekey(rekeyed, cli):
    markdown = cli("plan", "dev", "--format", "markdown").out
    assert "⚠️ **Prepared**: 1 re-keyed records wait for `moved:` or `--rekey`" in markdown
    assert "- `team/operations` not written: re-keyed from team/ops:" in markdown
    assert "| re-keyed |" in markdown
    body = json.loads(cli("plan", "dev", "--format", "json").out)
    (change,) = [c for c in body["changes"] if c["id"] == "operations"]
    assert (change["status"], change["action"], change["rekeyed_from"]) == (
        "rekeyed",
        "none",
        "ops",
    )
    assert body["summary"]["team"] == {"rekeyed": 1}


def test_rollback_of_a_rekey_gives_the_record_its_old_marker_back(rekeyed, cli):
    assert cli("apply", "dev", "--auto-approve", "--rekey").code == 0
    journal = sorted((rekeyed.root / ".syncset" / "journal" / "dev").glob("*.jsonl"))[-1]

    result = cli("rollback", str(journal), "--auto-approve")

    assert result.code == 0, result.out + result.err
    assert markers(rekeyed) == {"Operations": "ops"}


def test_a_saved_create_whose_name_turns_up_under_an_old_marker_is_stale_not_applied(repo, cli):
    write_team(repo, "operations")
    assert cli("plan", "dev", "--out", "plan.json").code == 0
    hand_create(repo.root, "team", {"name": "Operations"}, marker=Marker("syncset", "ops"))

    result = cli("apply", "plan.json")

    assert result.code == 1
    assert (
        "stale  + team/operations (create): the account's record carries the ownership marker "
        "of team/ops, which this plan does not move: plan again"
    ) in result.out
    assert markers(repo) == {"Operations": "ops"}


def test_plan_refuses_a_moved_entry_the_account_knows_nothing_of_at_its_line(rekeyed, cli):
    rekeyed.add_environment("dev", extra=MOVED.replace("team/ops", "team/opz"))

    result = cli("plan", "dev")

    assert result.code == 1
    assert (
        "environments/dev/environment.yaml:7:11: moved[0].from: no team of the account carries "
        "the ownership marker of team/opz (nor of team/operations)"
    ) in result.err
    assert "Traceback" not in result.err
