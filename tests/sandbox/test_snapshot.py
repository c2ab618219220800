"""``syncset snapshot ENV``: the live account written as YAML (4me Account Sync's "snapshot").

How a team adopts an account made by hand: snapshot, then plan shows only adoptions. Files that
exist are edited in place (comments, key order and formatting kept where values did not
change; templated values left alone); new records get a slug id, made unique; references are
written as record ids and natural keys, never as live ids; secrets as ``{{ env("…") }}``.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from example_root import EXAMPLE_ROOT
from promotion_helpers import (
    ANDER,
    FRANK,
    FRANK_EUROPE,
    HOWARD,
    account_row,
    edit_by_hand,
    files_of,
)

DEV = "environments/dev"

HAND_MADE = """
kind: person
id: frank
name: Frank Watson
primary_email: frank.watson@wdc.example
---
kind: holiday
id: h1
name: Christmas Day
start_at: 2026-12-25
end_at: 2026-12-25
---
kind: calendar
id: c1
name: Office Hours
holidays: [h1]
hours:
  - {weekday: mon, time_from: "08:00", time_until: "17:00"}
  - {weekday: fri, time_from: "08:00", time_until: "16:00"}
---
kind: calendar
id: c2
name: Office-Hours
---
kind: team
id: t1
name: Application Development
coordinator: frank.watson@wdc.example
members: [frank.watson@wdc.example]
work_hours: c2
---
kind: agile_board
id: b1
name: Expense Reporting
manager: frank.watson@wdc.example
columns:
  - name: To Do
  - name: Done
    action_type: complete
---
kind: product_backlog
id: p1
name: Expense Reporting
product_owner: frank.watson@wdc.example
---
kind: scrum_workspace
id: w1
name: Application Development
team: t1
product_backlog: p1
agile_board: b1
sprint_length: 2
"""
"""An account made by hand (no ownership marker): a small scrum workspace and a second
calendar whose name slugs the same as the first."""

ADOPTED = {
    "agile_board/expense-reporting": "agile_boards/expense-reporting.yaml",
    "calendar/office-hours": "calendars/office-hours.yaml",
    "calendar/office-hours-2": "calendars/office-hours-2.yaml",
    "holiday/christmas-day": "holidays/christmas-day.yaml",
    "product_backlog/expense-reporting": "product_backlogs/expense-reporting.yaml",
    "scrum_workspace/application-development": "scrum_workspaces/application-development.yaml",
    "team/application-development": "teams/application-development.yaml",
}


def load_by_hand(repo, cli, text, env="dev"):
    path = repo.write("hand-made.yaml", text)
    result = cli("sandbox", "load", env, "hand-made.yaml")
    path.unlink()
    assert result.code == 0, result.err


def plan_json(cli, env="dev"):
    result = cli("plan", env, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.fixture
def hand_made(repo, cli):
    """dev's folder has no records; its account was made by hand."""
    load_by_hand(repo, cli, HAND_MADE)
    return repo


@pytest.fixture
def snapshotted(hand_made, cli):
    result = cli("snapshot", "dev")
    assert result.code == 0, result.err
    return hand_made


# -- adopting an account made by hand ----------------------------------------------------------


def test_snapshot_writes_one_file_per_record_in_a_folder_per_kind(snapshotted, cli):
    written = {
        path.removeprefix(f"{DEV}/")
        for path in files_of(snapshotted.root)
        if path.startswith(DEV) and not path.endswith("environment.yaml")
    }

    assert written == set(ADOPTED.values())


def test_snapshot_then_plan_shows_only_adoptions_without_differences(snapshotted, cli):
    plan = plan_json(cli)

    assert {f"{c['kind']}/{c['id']}": c["action"] for c in plan["changes"]} == dict.fromkeys(
        ADOPTED, "adopt"
    )
    assert [c for c in plan["changes"] if c["changes"]] == []
    assert plan["status"] == "prepared"


def test_apply_after_snapshot_adopts_and_the_next_plan_has_no_changes(snapshotted, cli):
    assert cli("apply", "dev", "--auto-approve").code == 0

    again = cli("plan", "dev")

    assert "Plan: no changes." in again.out
    assert account_row(snapshotted.root, "dev", "team", "Application Development")["source"] == (
        "syncset"
    )


def test_ids_are_slugs_of_the_natural_key_made_unique(snapshotted):
    calendars = {
        record_id: snapshotted.root.joinpath(DEV, f"calendars/{record_id}.yaml").read_text()
        for record_id in ("office-hours", "office-hours-2")
    }

    names = {re.search(r"^name: (.*)$", t, re.M).group(1) for t in calendars.values()}
    assert names == {"Office Hours", "Office-Hours"}
    for record_id, text in calendars.items():
        assert f"\nid: {record_id}\n" in text


def test_references_are_written_as_record_ids_and_natural_keys(snapshotted):
    files = {p: b.decode() for p, b in files_of(snapshotted.root).items() if p.startswith(DEV)}

    assert not [path for path, text in files.items() if "SBX-" in text]
    team = files[f"{DEV}/teams/application-development.yaml"]
    work_hours = re.search(r"^work_hours: (.*)$", team, re.M).group(1)
    assert "name: Office-Hours\n" in files[f"{DEV}/calendars/{work_hours}.yaml"]
    assert "coordinator: frank.watson@wdc.example\n" in team
    workspace = files[f"{DEV}/scrum_workspaces/application-development.yaml"]
    assert "\nteam: application-development\n" in workspace
    assert "\nagile_board: expense-reporting\n" in workspace
    [calendar] = [t for t in files.values() if "name: Office Hours\n" in t]
    assert "holidays:\n  - christmas-day\n" in calendar


def test_new_ids_do_not_collide_with_records_already_in_the_yaml(hand_made, cli):
    hand_made.write(f"{DEV}/calendars/ours.yaml", "kind: calendar\nid: office-hours\nname: Ours\n")

    assert cli("snapshot", "dev", "--kind", "calendar").code == 0

    assert hand_made.root.joinpath(DEV, "calendars/ours.yaml").read_text() == (
        "kind: calendar\nid: office-hours\nname: Ours\n"
    )
    ids = {p.stem for p in hand_made.root.joinpath(DEV, "calendars").iterdir()}
    assert ids == {"ours", "office-hours-2", "office-hours-3"}


def test_kind_selects_records_and_what_they_reference(hand_made, cli):
    result = cli("snapshot", "dev", "--kind", "team")

    assert result.code == 0, result.err
    written = {
        path: text.decode()
        for path, text in files_of(hand_made.root).items()
        if path.startswith(f"{DEV}/") and path.count("/") == 3
    }
    assert sorted(written) == [
        f"{DEV}/calendars/{re.search(r'work_hours: (.*)', written[TEAM_FILE]).group(1)}.yaml",
        TEAM_FILE,
    ]


def test_dry_run_says_what_it_would_write_and_writes_nothing(hand_made, cli):
    before = files_of(hand_made.root)

    result = cli("snapshot", "dev", "--dry-run")

    assert result.code == 0, result.err
    assert "+ team/application-development" in result.out
    assert "would write 7 new and 0 updated records (7 files)" in result.out
    assert files_of(hand_made.root) == before


def test_secrets_are_written_as_env_placeholders_never_as_values(repo, cli, monkeypatch):
    load_by_hand(
        repo,
        cli,
        """
        kind: connection
        id: c
        name: Payroll API
        type: http
        settings: {url: "https://payroll.example"}
        secret: hunter2-payroll-token
        """,
    )

    assert cli("snapshot", "dev").code == 0

    text = repo.root.joinpath(DEV, "connections/payroll-api.yaml").read_text(encoding="utf-8")
    assert "secret: '{{ env(\"CONNECTION_PAYROLL_API_SECRET\") }}'\n" in text
    assert not [p for p, b in files_of(repo.root).items() if b"hunter2" in b]
    monkeypatch.setenv("CONNECTION_PAYROLL_API_SECRET", "hunter2-payroll-token")
    [change] = plan_json(cli)["changes"]
    assert (change["action"], change["changes"]) == ("adopt", [])


# -- updating files that exist ---------------------------------------------------------------

TEAM_FILE = f"{DEV}/teams/application-development.yaml"
COMMENTED_TEAM = """\
# The team of the seed story: reviewed by Howard Tanner.
kind: team
id: application-development
name: Application Development
manager: rodney.wilson@wdc.example   # the product owner
remarks: Builds and maintains the expense reporting application.
coordinator: frank.watson@wdc.example
work_hours: app-dev-office-hours     # office hours, not support hours
agile_board: expense-reporting

members:
  # everyone who works on sprints
  - frank.watson@wdc.example
  - howard.tanner@wdc.example
"""


@pytest.fixture
def applied(repo, cli):
    """The example dev folder, its team file edited with comments and its own key order,
    applied to the account."""
    shutil.copytree(EXAMPLE_ROOT / "environments", repo.root / "environments", dirs_exist_ok=True)
    repo.root.joinpath(TEAM_FILE).write_text(COMMENTED_TEAM, encoding="utf-8")
    load_by_hand(repo, cli, (EXAMPLE_ROOT / "docs/demo/wdc-people.yaml").read_text())
    result = cli("apply", "dev", "--auto-approve")
    assert result.code == 0, result.err
    return repo


def test_a_value_changed_in_the_account_is_written_and_comments_and_order_survive(applied, cli):
    edit_by_hand(applied.root, "dev", "team", "Application Development", remarks="Runs it.")

    result = cli("snapshot", "dev")

    assert result.code == 0, result.err
    assert "~ team/application-development" in result.out
    assert applied.root.joinpath(TEAM_FILE).read_text(encoding="utf-8") == COMMENTED_TEAM.replace(
        "remarks: Builds and maintains the expense reporting application.",
        "remarks: Runs it.",
    )
    assert "Plan: no changes." in cli("plan", "dev").out


def test_one_document_of_a_multi_document_file_is_edited_in_place(applied, cli):
    holidays = f"{DEV}/holidays/christmas-day-2026.yaml"
    text = (
        "# Both holidays of the office-hours calendar.\n"
        + applied.root.joinpath(holidays).read_text(encoding="utf-8")
        + "---\n# the first working day is the 2nd\n"
        + applied.root.joinpath(DEV, "holidays/new-years-day-2027.yaml").read_text()
    )
    applied.root.joinpath(DEV, "holidays/new-years-day-2027.yaml").unlink()
    applied.root.joinpath(holidays).write_text(text, encoding="utf-8")
    edit_by_hand(applied.root, "dev", "holiday", "New Year's Day", name="New Year")

    assert cli("snapshot", "dev").code == 0

    assert applied.root.joinpath(holidays).read_text(encoding="utf-8") == text.replace(
        "name: New Year's Day", "name: New Year"
    )


def test_a_reference_changed_in_the_account_is_written_as_a_natural_key(applied, cli):
    howard = account_row(applied.root, "dev", "person", HOWARD)["live_id"]
    edit_by_hand(applied.root, "dev", "team", "Application Development", manager=howard)

    assert cli("snapshot", "dev").code == 0

    text = applied.root.joinpath(TEAM_FILE).read_text(encoding="utf-8")
    assert f"manager: {HOWARD}   # the product owner\n" in text


def test_unchanged_records_are_left_byte_for_byte(applied, cli):
    before = files_of(applied.root)

    result = cli("snapshot", "dev")

    assert result.code == 0, result.err
    assert "wrote 0 new and 0 updated records (0 files); 7 unchanged" in result.out
    assert files_of(applied.root) == before


def test_a_templated_value_is_never_overwritten_with_a_literal(applied, cli):
    board = f"{DEV}/agile_boards/expense-reporting.yaml"
    before = applied.root.joinpath(board).read_bytes()
    edit_by_hand(
        applied.root,
        "dev",
        "agile_board",
        "Expense Reporting",
        description="Typed over in the account.",
    )

    result = cli("snapshot", "dev")

    assert applied.root.joinpath(board).read_bytes() == before
    assert (
        "note: expense-reporting.yaml: agile_board/expense-reporting: description is "
        "templated; left as it is"
    ) in result.out
    assert "Typed over in the account." in cli("plan", "dev").out


def test_a_mapped_value_is_written_back_as_the_source_value(repo, cli):
    """qa maps WDC's Frank to Widget Europe's: YAML keeps WDC's address, as promoted."""
    repo.add_environment("qa")
    repo.write(
        "environments/qa/team.yaml",
        f"kind: team\nid: app-dev\nname: App Dev\nmanager: {ANDER}\n",
    )
    repo.write(
        "environments/qa/mappings.yaml",
        f"version: 1\nreferences:\n  person:\n    {FRANK}: {FRANK_EUROPE}\n",
    )
    load_by_hand(
        repo, cli, (EXAMPLE_ROOT / "docs/demo/widget-europe-people.yaml").read_text(), "qa"
    )
    assert cli("apply", "qa", "--auto-approve").code == 0
    frank = account_row(repo.root, "qa", "person", FRANK_EUROPE)["live_id"]
    edit_by_hand(repo.root, "qa", "team", "App Dev", manager=frank)

    assert cli("snapshot", "qa").code == 0

    assert f"manager: {FRANK}\n" in repo.root.joinpath("environments/qa/team.yaml").read_text()


def test_managed_records_missing_from_the_yaml_come_back_under_their_own_ids(applied, cli):
    for path in applied.root.joinpath(DEV).glob("*/*.yaml"):
        path.unlink()

    result = cli("snapshot", "dev")

    assert result.code == 0, result.err
    assert "wrote 7 new and 0 updated records (7 files)" in result.out
    written = sorted(
        p.relative_to(applied.root / DEV).as_posix()
        for p in applied.root.joinpath(DEV).glob("*/*.yaml")
    )
    assert written == sorted(
        p.relative_to(EXAMPLE_ROOT / DEV).as_posix()
        for p in EXAMPLE_ROOT.joinpath(DEV).glob("*/*.yaml")
    )
    board = applied.root.joinpath(DEV, "agile_boards/expense-reporting.yaml").read_text()
    assert "    team: application-development\n" in board
    assert "SBX-" not in board
    assert "Plan: no changes." in cli("plan", "dev").out


# -- opt-in fields: the people of the teams --------------------------------------------------


def test_a_teams_members_are_not_written_by_a_snapshot(snapshotted):
    team = snapshotted.root / DEV / "teams/application-development.yaml"

    assert "coordinator: frank.watson@wdc.example\n" in team.read_text()
    assert "members" not in team.read_text(), "people are not configuration"


def test_a_sync_set_that_includes_team_members_writes_them(hand_made, cli):
    team_file = hand_made.root / DEV / "teams/application-development.yaml"
    hand_made.write(
        "syncsets.yaml",
        "version: 1\nsync_sets:\n  people:\n    root: team\n    include: [team.members]\n",
    )

    assert cli("snapshot", "dev", "--sync-set", "people").code == 0

    assert "members:\n  - frank.watson@wdc.example\n" in team_file.read_text()
    assert [c for c in plan_json(cli)["changes"] if c["changes"]] == []


# -- known bugs ------------------------------------------------------------------------------


def test_snapshot_of_a_sync_set_writes_only_its_records(hand_made, cli):
    hand_made.write(
        "syncsets.yaml", "version: 1\nsync_sets:\n  scrum:\n    root: scrum_workspace\n"
    )
    load_by_hand(hand_made, cli, "kind: team\nid: ops\nname: Ops\n")
    assert cli("snapshot", "dev", "--sync-set", "scrum").code == 0
    assert not hand_made.root.joinpath(DEV, "teams/ops.yaml").exists()

    assert cli("snapshot", "dev", "--sync-set", "scrum").code == 0

    assert not hand_made.root.joinpath(DEV, "teams/ops.yaml").exists()


def test_a_hand_made_board_whose_column_names_a_team_is_snapshotted_with_the_team_id(repo, cli):
    load_by_hand(
        repo,
        cli,
        """
        kind: team
        id: t1
        name: Reviewers
        ---
        kind: agile_board
        id: b1
        name: Expense Reporting
        columns:
          - name: Review
            team: t1
        """,
    )

    assert cli("snapshot", "dev").code == 0

    board = repo.root.joinpath(DEV, "agile_boards/expense-reporting.yaml").read_text()
    assert "team: reviewers" in board


def test_the_seeds_scrum_workspace_made_by_hand_is_adopted_through_a_snapshot(repo, cli):
    documents = [(EXAMPLE_ROOT / "docs/demo/wdc-people.yaml").read_text(encoding="utf-8")]
    for path in sorted(EXAMPLE_ROOT.joinpath(DEV).glob("*/*.yaml")):
        documents.append(path.read_text(encoding="utf-8").replace("{{ vars.company }}", "WDC"))
    load_by_hand(repo, cli, "---\n".join(documents))
    shutil.copy2(EXAMPLE_ROOT / "syncsets.yaml", repo.root / "syncsets.yaml")

    assert cli("snapshot", "dev", "--sync-set", "scrum").code == 0

    plan = plan_json(cli)
    assert len(plan["changes"]) == 7
    assert {(c["action"], len(c["changes"])) for c in plan["changes"]} == {("adopt", 0)}
