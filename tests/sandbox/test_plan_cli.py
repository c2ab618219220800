"""``syncset plan`` end to end on the sandbox: statuses, exit codes, selection, no writes."""

from __future__ import annotations

import json

import pytest
from plan_apply_helpers import (
    change_of,
    copy_seed,
    file_bytes,
    hand_create,
    load_people,
    make_plan,
    pending,
    row_of,
    rows,
    seed_people,
)

from syncset.plan.model import Action, Status


@pytest.fixture
def seed(repo):
    """The seed scenario's dev folder, with the source account's people made by hand."""
    copy_seed(repo.root)
    load_people(repo.root, seed_people("wdc-people"))
    return repo


@pytest.fixture
def applied(seed, cli):
    """The seed scenario after its first apply: the account matches the YAML."""
    result = cli("apply", "dev", "--auto-approve")
    assert result.code == 0, result.err
    return seed


# -- no writes --------------------------------------------------------------------------------


def test_plan_makes_no_write_to_the_account(applied, cli):
    applied.write(
        "environments/dev/teams/application-development.yaml",
        """
        kind: team
        id: application-development
        name: Application Development
        remarks: Changed, so the plan has something to say.
        work_hours: app-dev-office-hours
        """,
    )
    before_rows = rows(applied.root)
    before_files = file_bytes(applied.root)

    for fmt in ("text", "markdown", "json"):
        result = cli("plan", "dev", "--format", fmt)
        assert result.code == 0, result.err
        assert "Changed, so the plan has something to say." in result.out

    assert rows(applied.root) == before_rows
    assert file_bytes(applied.root) == before_files


def test_plan_of_an_account_that_does_not_exist_yet_does_not_create_it(repo, cli):
    repo.write("environments/dev/team.yaml", "kind: team\nid: dev\nname: Dev\n")

    result = cli("plan", "dev", "--format", "json")

    assert result.code == 0, result.err
    assert json.loads(result.out)["account"] == "sandbox .syncset/dev.sqlite (new, empty)"
    assert [p.name for p in (repo.root / ".syncset").iterdir()] == ["cache"], "no account file"


def test_plan_keeps_a_parse_cache_unless_told_not_to(repo, cli, monkeypatch):
    repo.write("environments/dev/team.yaml", "kind: team\nid: dev\nname: Dev\n")
    cache = repo.root / ".syncset" / "cache"

    assert cli("plan", "dev", "--no-cache").code == 0
    assert not cache.exists()
    monkeypatch.setenv("SYNCSET_NO_CACHE", "1")
    assert cli("plan", "dev").code == 0
    assert not cache.exists()
    monkeypatch.delenv("SYNCSET_NO_CACHE")
    assert cli("plan", "dev").code == 0
    assert len(list(cache.glob("*.parse"))) == 1
    assert cli("validate", "dev").code == 0, "validate reads no cache and writes none"


def test_plan_out_writes_only_the_plan_file(applied, cli):
    before = file_bytes(applied.root)

    result = cli("plan", "dev", "--out", "plan.json")

    assert result.code == 0, result.err
    after = file_bytes(applied.root)
    assert set(after) - set(before) == {"plan.json"}
    assert {k: v for k, v in after.items() if k != "plan.json"} == before


# -- exit codes -------------------------------------------------------------------------------


def test_detailed_exitcode_is_2_when_there_are_changes(seed, cli):
    assert cli("plan", "dev", "--detailed-exitcode").code == 2


def test_without_detailed_exitcode_changes_exit_0(seed, cli):
    result = cli("plan", "dev")

    assert result.code == 0, result.err
    assert "Plan: 7 to create" in result.out


def test_detailed_exitcode_is_0_when_the_account_matches(applied, cli):
    result = cli("plan", "dev", "--detailed-exitcode")

    assert result.code == 0, result.err
    assert "The account matches the configuration." in result.out


def test_an_error_exits_1_even_with_detailed_exitcode(repo, cli):
    repo.write("environments/dev/team.yaml", "kind: team\nid: dev\nname: Dev\nwork_hours: nope\n")

    result = cli("plan", "dev", "--detailed-exitcode")

    assert result.code == 1
    assert "environments/dev/team.yaml:4:13: team/dev: work_hours:" in result.err


def test_a_being_prepared_plan_exits_2_with_detailed_exitcode(seed, cli):
    seed.write(
        "environments/dev/product_backlogs/expense-reporting.yaml",
        """
        kind: product_backlog
        id: expense-reporting
        name: Expense Reporting
        product_owner: nobody@wdc.example
        """,
    )

    assert cli("plan", "dev", "--detailed-exitcode").code == 2


# -- selection --------------------------------------------------------------------------------


def test_kind_selects_the_records_the_plan_speaks_about(seed, cli):
    result = cli("plan", "dev", "--kind", "holiday", "--kind", "calendar", "--format", "json")

    plan = json.loads(result.out)
    assert sorted(plan["summary"]) == ["calendar", "holiday"]
    assert sorted(f"{c['kind']}/{c['id']}" for c in plan["changes"]) == [
        "calendar/app-dev-office-hours",
        "holiday/christmas-day-2026",
        "holiday/new-years-day-2027",
    ]
    assert plan["selection"]["kinds"] == ["holiday", "calendar"]


def test_id_selects_single_records(seed, cli):
    result = cli(
        "plan",
        "dev",
        "--id",
        "team/application-development",
        "--id",
        "holiday/christmas-day-2026",
        "--format",
        "json",
    )

    plan = json.loads(result.out)
    assert [f"{c['kind']}/{c['id']}" for c in plan["changes"]] == [
        "holiday/christmas-day-2026",
        "team/application-development",
    ]
    # Only the selected records' references are listed.
    assert {m["value"] for m in plan["mappings"]} == {
        "frank.watson@wdc.example",
        "rodney.wilson@wdc.example",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kind", "teams"), "--kind teams: unknown kind"),
        (("--id", "team"), "--id team: expected KIND/ID"),
        (("--id", "nothing/x"), "--id nothing/x: expected KIND/ID"),
    ],
)
def test_a_bad_selection_is_refused_before_anything_is_read(seed, cli, args, message):
    result = cli("plan", "dev", *args)

    assert result.code == 1
    assert message in result.err


# -- identity end to end ----------------------------------------------------------------------


def test_a_hand_made_record_is_adopted_and_apply_writes_the_marker(seed, cli):
    made = hand_create(seed.root, "product_backlog", {"name": "Expense Reporting"})

    plan = make_plan(seed.root)
    change = change_of(plan, "product_backlog/expense-reporting")
    assert (change.action, change.live_id) == (Action.ADOPT, made.live_id)

    assert cli("apply", "dev", "--auto-approve").code == 0
    row = row_of(seed.root, "product_backlog", "Expense Reporting")
    assert (row["live_id"], row["source"], row["source_id"]) == (
        made.live_id,
        "syncset",
        "expense-reporting",
    )
    assert row["data"]["description"] == "Everything the Expense Reporting product still needs."
    assert pending(make_plan(seed.root)) == {}


def test_a_rename_updates_the_same_record_instead_of_creating_another(applied, cli):
    before = row_of(applied.root, "team", "Application Development")
    text = (applied.root / "environments/dev/teams/application-development.yaml").read_text()
    (applied.root / "environments/dev/teams/application-development.yaml").write_text(
        text.replace("name: Application Development", "name: App Development")
    )

    plan = make_plan(applied.root)
    assert pending(plan) == {"team/application-development": "update"}
    change = change_of(plan, "team/application-development")
    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("name", "Application Development", "App Development")
    ]

    assert cli("apply", "dev", "--auto-approve").code == 0
    after = row_of(applied.root, "team", "App Development")
    assert after["live_id"] == before["live_id"]
    assert len([r for r in rows(applied.root) if r["kind"] == "team"]) == 1


def test_board_columns_added_removed_and_changed_are_diffed_by_name(applied, cli):
    board_row = row_of(applied.root, "agile_board", "Expense Reporting")
    ids = {column["name"]: column["id"] for column in board_row["data"]["columns"]}
    applied.write(
        "environments/dev/agile_boards/expense-reporting.yaml",
        """
        kind: agile_board
        id: expense-reporting
        name: Expense Reporting
        description: Sprint board of the Expense Reporting product.
        manager: rodney.wilson@wdc.example
        columns:
          - name: To Do
            action_type: none
          - name: In Progress
            action_type: start
            team: application-development
          - name: Review
            action_type: assign
            wip_limit: 8
          - name: Done
            action_type: complete
            clear_member: true
          - name: Released
            action_type: complete
        """,
    )
    applied.write(
        "environments/dev/agile_boards/expense-reporting.yaml",
        (applied.root / "environments/dev/agile_boards/expense-reporting.yaml")
        .read_text()
        .replace("  - name: To Do\n    action_type: none\n", ""),
    )

    change = change_of(make_plan(applied.root), "agile_board/expense-reporting")

    assert change.status is Status.EXISTS_DIFFERENCES
    shown = {(c.field, c.before is None, c.after is None) for c in change.changes}
    assert ("columns[Review].wip_limit", False, False) in shown
    assert ("columns[Released]", True, False) in shown
    assert ("columns[To Do]", False, True) in shown
    # Positions follow the list, so moving up is shown for the columns after the removed one.
    assert ("columns[In Progress].position", False, False) in shown

    assert cli("apply", "dev", "--auto-approve").code == 0
    columns = row_of(applied.root, "agile_board", "Expense Reporting")["data"]["columns"]
    assert [c["name"] for c in columns] == ["In Progress", "Review", "Done", "Released"]
    assert {c["name"]: c["id"] for c in columns if c["name"] in ids} == {
        name: ids[name] for name in ("In Progress", "Review", "Done")
    }
    assert pending(make_plan(applied.root)) == {}


def test_calendar_hours_are_matched_by_weekday_and_start(applied, cli):
    path = applied.root / "environments/dev/calendars/app-dev-office-hours.yaml"
    text = path.read_text()
    text = text.replace(
        '{weekday: fri, time_from: "08:00", time_until: "16:00"}',
        '{weekday: fri, time_from: "08:00", time_until: "15:00"}',
    )
    text = text.replace('  - {weekday: mon, time_from: "08:00", time_until: "17:00"}\n', "")
    text += '  - {weekday: sat, time_from: "10:00", time_until: "12:00"}\n'
    path.write_text(text)

    change = change_of(make_plan(applied.root), "calendar/app-dev-office-hours")

    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("hours[fri 08:00].time_until", "16:00", "15:00"),
        (
            "hours[sat 10:00]",
            None,
            {"weekday": "sat", "time_from": "10:00", "time_until": "12:00"},
        ),
        (
            "hours[mon 08:00]",
            {"weekday": "mon", "time_from": "08:00", "time_until": "17:00"},
            None,
        ),
    ]
    assert cli("apply", "dev", "--auto-approve").code == 0
    assert pending(make_plan(applied.root)) == {}


def test_a_managed_record_removed_from_the_yaml_is_only_in_the_account(applied, cli):
    (applied.root / "environments/dev/holidays/new-years-day-2027.yaml").unlink()
    calendar = applied.root / "environments/dev/calendars/app-dev-office-hours.yaml"
    calendar.write_text(calendar.read_text().replace("  - new-years-day-2027\n", ""))

    plan = make_plan(applied.root)

    change = change_of(plan, "holiday/new-years-day-2027")
    assert (change.status, change.action, change.managed) == (
        Status.ONLY_IN_ACCOUNT,
        Action.NONE,
        True,
    )
    assert plan.summary["holiday"] == {"exists_no_differences": 1, "only_in_account_managed": 1}


def test_an_empty_environment_that_would_remove_everything_is_refused(applied, cli):
    for path in (applied.root / "environments/dev").rglob("*.yaml"):
        if path.name not in ("environment.yaml", "mappings.yaml"):
            path.unlink()
    env_file = applied.root / "environments/dev/environment.yaml"
    env_file.write_text(
        env_file.read_text().replace("only_in_account: keep", "only_in_account: disable")
    )

    result = cli("plan", "dev")

    assert result.code == 1
    assert "declares no records" in result.err and "allow_empty" in result.err


def test_an_ambiguous_natural_key_stops_plan_and_apply_at_the_yaml_field(repo, cli):
    path = repo.write(
        "environments/dev/templates/expense.yaml",
        """
        kind: request_template
        id: expense
        subject: Expense claim
        """,
    )
    for _ in range(2):
        hand_create(repo.root, "request_template", {"subject": "Expense claim"})
    before = rows(repo.root)

    for command in (("plan", "dev"), ("apply", "dev", "--auto-approve")):
        result = cli(*command)

        assert result.code == 1
        assert result.err.startswith(
            "error: environments/dev/templates/expense.yaml:3:10: request_template/expense: "
            "subject: 2 records of the account have subject 'Expense claim' and none carries "
            "the ownership marker, so none can be chosen: rename or disable the extra ones"
        )
    assert path.exists() and rows(repo.root) == before
