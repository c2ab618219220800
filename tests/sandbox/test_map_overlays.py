"""The rest of the mapping overlay: links (bind to an existing record instead of creating one,
Synatic's "Link") and overrides (field values that differ in this environment).
"""

from __future__ import annotations

import json

import pytest
from promotion_helpers import account_row, account_rows, edit_by_hand

LINKED = """
version: 1
links:
  request_template/expense: "Expense request (QA)"
"""


def plan_json(cli, env="dev"):
    result = cli("plan", env, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def change(plan, ref):
    [found] = [c for c in plan["changes"] if f"{c['kind']}/{c['id']}" == ref]
    return found


# -- links -----------------------------------------------------------------------------------


@pytest.fixture
def templates(repo, cli):
    """dev declares request_template/expense; its account holds two templates made by hand."""
    repo.write(
        "environments/dev/expense.yaml",
        """
        kind: request_template
        id: expense
        subject: Expense request
        category: rfc
        """,
    )
    repo.write(
        "hand.yaml",
        """
        kind: request_template
        id: qa-expense
        subject: Expense request (QA)
        category: incident
        ---
        kind: request_template
        id: expense
        subject: Expense request
        category: rfc
        """,
    )
    assert cli("sandbox", "load", "dev", "hand.yaml").code == 0
    return repo


def test_without_a_link_the_record_is_adopted_by_its_natural_key(templates, cli):
    plan = plan_json(cli)

    expense = change(plan, "request_template/expense")
    assert expense["action"] == "adopt"
    assert expense["changes"] == []


def test_a_link_binds_the_record_to_the_named_one_and_the_plan_says_adopt(templates, cli):
    templates.write("environments/dev/mappings.yaml", LINKED)

    expense = change(plan_json(cli), "request_template/expense")

    assert expense["action"] == "adopt"
    assert "linked in mappings.yaml" in expense["reason"]
    assert (
        expense["live_id"]
        == account_row(templates.root, "dev", "request_template", "Expense request (QA)")["live_id"]
    )
    assert [(c["field"], c["before"], c["after"]) for c in expense["changes"]] == [
        ("subject", "Expense request (QA)", "Expense request"),
        ("category", "incident", "rfc"),
    ]


def test_apply_of_a_link_writes_the_marker_instead_of_creating(templates, cli):
    templates.write("environments/dev/mappings.yaml", LINKED)
    linked = account_row(templates.root, "dev", "request_template", "Expense request (QA)")

    result = cli("apply", "dev", "--auto-approve")

    assert result.code == 0, result.err
    rows = account_rows(templates.root, "dev", "request_template")
    assert len(rows) == 2
    [managed] = [row for row in rows if row["source"] == "syncset"]
    assert (managed["live_id"], managed["source_id"]) == (linked["live_id"], "expense")
    assert managed["data"]["subject"] == "Expense request"
    [untouched] = [row for row in rows if row["source"] is None]
    assert untouched["data"]["category"] == "rfc"
    assert "Plan: no changes." in cli("plan", "dev").out


def test_a_link_to_a_record_missing_from_the_account_is_an_error_at_its_line(repo, cli):
    repo.write(
        "environments/dev/expense.yaml",
        "kind: request_template\nid: expense\nsubject: Expense request\n",
    )
    repo.write("environments/dev/mappings.yaml", LINKED)

    planned = cli("plan", "dev")
    applied = cli("apply", "dev", "--auto-approve")

    for result in (planned, applied):
        assert result.code == 1
        assert (
            "environments/dev/mappings.yaml:3:29: link target request_template "
            "'Expense request (QA)' does not exist in the account: fix the link, or remove it "
            "to create the record"
        ) in result.err
    assert account_rows(repo.root, "dev", "request_template") == []


def test_a_link_to_a_record_managed_under_another_id_is_an_error_not_a_takeover(repo, cli):
    repo.write(
        "environments/dev/expense.yaml",
        "kind: request_template\nid: qa-expense\nsubject: Expense request (QA)\n",
    )
    assert cli("apply", "dev", "--auto-approve").code == 0
    repo.write(
        "environments/dev/expense.yaml",
        "kind: request_template\nid: expense\nsubject: Expense request\n",
    )
    repo.write("environments/dev/mappings.yaml", LINKED)

    planned = cli("plan", "dev")

    assert planned.code == 1
    assert (
        "environments/dev/mappings.yaml:3:29: link target request_template "
        "'Expense request (QA)' is managed as request_template/qa-expense"
    ) in planned.err
    [row] = account_rows(repo.root, "dev", "request_template")
    assert row["source_id"] == "qa-expense"


def test_a_link_of_a_record_its_marker_binds_to_another_one_is_an_error(templates, cli):
    assert cli("apply", "dev", "--auto-approve").code == 0  # adopts "Expense request"
    templates.write("environments/dev/mappings.yaml", LINKED)

    planned = cli("plan", "dev")

    assert planned.code == 1
    assert (
        "environments/dev/mappings.yaml:3:29: link ignored: request_template/expense is bound "
        "by its ownership marker already, but the link names another record"
    ) in planned.err


def test_a_link_kept_after_the_adoption_it_made_is_no_error(templates, cli):
    templates.write("environments/dev/mappings.yaml", LINKED)
    assert cli("apply", "dev", "--auto-approve").code == 0  # adopts and renames the QA one

    planned = cli("plan", "dev")

    assert planned.code == 0, planned.err
    assert "Plan: no changes." in planned.out


# -- overrides -------------------------------------------------------------------------------


TEAM = """
kind: team
id: app-dev
name: Application Development
remarks: Builds the expense application.
"""
OVERRIDES = """
version: 1
overrides:
  team:
    remarks: Managed by the QA team.
    name: Every team (QA)
  team/app-dev:
    name: Application Development (QA)
"""


@pytest.fixture
def overridden(repo):
    """dev and qa hold the same team; qa overrides its remarks (per kind) and name."""
    repo.add_environment("qa", extra="promotes_from: dev\n")
    repo.write("environments/dev/teams/app-dev.yaml", TEAM)
    repo.write("environments/qa/teams/app-dev.yaml", TEAM)
    repo.write("environments/qa/mappings.yaml", OVERRIDES)
    return repo


def test_plan_shows_override_values_per_kind_and_per_record(overridden, cli):
    team = change(plan_json(cli, "qa"), "team/app-dev")

    after = {c["field"]: c["after"] for c in team["changes"]}
    assert after["name"] == "Application Development (QA)"
    assert after["remarks"] == "Managed by the QA team."


def test_apply_writes_override_values_and_then_plans_no_changes(overridden, cli):
    assert cli("apply", "qa", "--auto-approve").code == 0

    row = account_row(overridden.root, "qa", "team", "Application Development (QA)")
    assert row["data"]["remarks"] == "Managed by the QA team."
    assert "Plan: no changes." in cli("plan", "qa").out


def test_folder_compare_reads_both_folders_through_the_destinations_overrides(overridden, cli):
    overridden.write(
        "environments/dev/teams/app-dev.yaml",
        TEAM.replace("Builds the expense application.", "Builds it, better."),
    )

    entry = json.loads(cli("compare", "dev", "qa", "--format", "json").out)["entries"][0]

    assert (entry["kind"], entry["id"], entry["status"]) == (
        "team",
        "app-dev",
        "exists_no_differences",
    )


def test_live_compare_expects_the_destinations_overrides_and_sees_a_hand_edit(overridden, cli):
    assert cli("apply", "dev", "--auto-approve").code == 0
    assert cli("apply", "qa", "--auto-approve").code == 0

    def entry():
        return json.loads(cli("compare", "dev", "qa", "--live", "--format", "json").out)["entries"][
            0
        ]

    # a promotion would change nothing: qa's name and remarks are qa's own overrides
    assert entry()["status"] == "exists_no_differences"
    edit_by_hand(
        overridden.root, "qa", "team", "Application Development (QA)", remarks="Typed over."
    )
    assert entry()["status"] == "exists_differences"
    assert {c["field"]: (c["before"], c["after"]) for c in entry()["changes"]} == {
        "remarks": ("Typed over.", "Managed by the QA team."),
    }


def test_override_values_are_rendered_with_the_environments_vars(overridden, cli):
    overridden.add_environment(
        "qa", extra="promotes_from: dev\nvars:\n  company: Widget Europe IT\n"
    )
    overridden.write(
        "environments/qa/mappings.yaml",
        """
        version: 1
        overrides:
          team:
            remarks: "Managed at {{ vars.company }}"
          team/app-dev:
            name: "Application Development ({{ vars.company }})"
        """,
    )
    overridden.write(
        "environments/dev/teams/app-dev.yaml",
        TEAM.replace("kind: team", "kind: team\nmanager: rodney.wilson@wdc.example"),
    )

    team = change(plan_json(cli, "qa"), "team/app-dev")
    compared = json.loads(cli("compare", "dev", "qa", "--format", "json").out)["entries"][0]

    after = {c["field"]: c["after"] for c in team["changes"]}
    assert after["remarks"] == "Managed at Widget Europe IT"
    assert after["name"] == "Application Development (Widget Europe IT)"
    assert [(c["field"], c["after"]) for c in compared["changes"]] == [
        ("manager", "rodney.wilson@wdc.example")
    ]
