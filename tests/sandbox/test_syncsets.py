"""Sync sets: a root kind (optionally some of its records) plus every record it needs.

The closure follows references transitively, child collections included; reference data is
never in it but listed as *references to map*, with every record and field that uses each value
(the seed's "References" section). ``syncset syncsets show`` prints it and ``--csv`` writes the
seed's "Records" section.
"""

from __future__ import annotations

import csv
import json

import pytest
from promotion_helpers import account_rows

from syncset.config.syncsets import SyncSetDefinition, closure, get_syncset, load_syncsets
from syncset.errors import ConfigError, RepositoryError

SYNCSETS = """
version: 1
sync_sets:
  scrum:
    title: Scrum workspaces
    root: scrum_workspace
  ws:
    root: scrum_workspace
    records: [ws]
  calendars:
    root: calendar
  office:
    root: calendar
    records: [office-hours]
  app-dev:
    root: team
    records: [app-dev]
  flows:
    root: flow
  templates:
    root: request_template
  gone:
    root: team
    records: [app-dev, nobody]
  ws-with-people:
    root: scrum_workspace
    records: [ws]
    include: [team.members]
"""

RECORDS = {
    "holidays.yaml": """
        kind: holiday
        id: xmas
        name: Christmas Day
        start_at: 2026-12-25
        end_at: 2026-12-25
        ---
        kind: holiday
        id: nyd
        name: New Year's Day
        start_at: 2027-01-01
        end_at: 2027-01-01
        ---
        kind: holiday
        id: kings
        name: King's Day
        start_at: 2027-04-27
        end_at: 2027-04-27
        """,
    "calendars.yaml": """
        kind: calendar
        id: office-hours
        name: Office Hours
        holidays: [xmas, nyd]
        ---
        kind: calendar
        id: ops-hours
        name: Ops Hours
        holidays: [kings]
        ---
        kind: calendar
        id: unused
        name: Unused Hours
        """,
    "teams.yaml": """
        kind: team
        id: app-dev
        name: Application Development
        coordinator: frank.watson@wdc.example
        manager: rodney.wilson@wdc.example
        members: [frank.watson@wdc.example, howard.tanner@wdc.example]
        work_hours: office-hours
        agile_board: board
        ui_extension: team-ext
        ---
        kind: team
        id: reviewers
        name: Reviewers
        work_hours: ops-hours
        ---
        kind: team
        id: ops
        name: Ops
        work_hours: ops-hours
        manager: olivia.ops@wdc.example
        ---
        kind: ui_extension
        id: team-ext
        name: Team fields
        category: team
        """,
    "boards.yaml": """
        kind: agile_board
        id: board
        name: Expense Reporting
        manager: rodney.wilson@wdc.example
        columns:
          - name: To Do
            team: app-dev
          - name: Review
            team: reviewers
            member: howard.tanner@wdc.example
        ---
        kind: product_backlog
        id: backlog
        name: Expense Reporting
        product_owner: rodney.wilson@wdc.example
        request_template: expense
        ---
        kind: request_template
        id: expense
        subject: Expense request
        support_hours: office-hours
        supplier: Widget Data Center
        ---
        kind: agile_board
        id: other-board
        name: Other
        ---
        kind: product_backlog
        id: other-backlog
        name: Other
        """,
    "workspaces.yaml": """
        kind: scrum_workspace
        id: ws
        name: Application Development
        team: app-dev
        product_backlog: backlog
        agile_board: board
        sprint_length: 2
        ---
        kind: scrum_workspace
        id: other
        name: Ops sprints
        team: ops
        product_backlog: other-backlog
        agile_board: other-board
        sprint_length: 1
        """,
    "integration.yaml": """
        kind: solution
        id: payroll
        name: Payroll
        ---
        kind: connection
        id: api
        name: Payroll API
        type: http
        secret: '{{ env("PAYROLL_SECRET") }}'
        ---
        kind: connection
        id: spare
        name: Spare
        type: http
        ---
        kind: flow
        id: export
        name: Nightly export
        solution: payroll
        connections: [api]
        """,
}

WS = {
    ("scrum_workspace", "ws"),
    ("team", "app-dev"),
    ("product_backlog", "backlog"),
    ("agile_board", "board"),
    ("calendar", "office-hours"),
    ("holiday", "xmas"),
    ("holiday", "nyd"),
    ("ui_extension", "team-ext"),
    ("request_template", "expense"),
    # the board's Review column brings its team, and that team its work hours and holidays
    ("team", "reviewers"),
    ("calendar", "ops-hours"),
    ("holiday", "kings"),
}
OTHER = {
    ("scrum_workspace", "other"),
    ("team", "ops"),
    ("product_backlog", "other-backlog"),
    ("agile_board", "other-board"),
    ("calendar", "ops-hours"),
    ("holiday", "kings"),
}
SECRET = "s3cr3t-payroll-token"


@pytest.fixture
def tree(repo, monkeypatch):
    """A dev folder with two scrum workspaces, spare records, and an integration."""
    monkeypatch.setenv("PAYROLL_SECRET", SECRET)
    repo.write("syncsets.yaml", SYNCSETS)
    for name, text in RECORDS.items():
        repo.write(f"environments/dev/{name}", text)
    return repo


def closure_of(tree, name):
    return closure(tree.validate("dev", {"PAYROLL_SECRET": SECRET}), get_syncset(tree.root, name))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("ws", WS, id="scrum workspace: backlog, team, board, columns' teams"),
        pytest.param("scrum", WS | OTHER, id="every scrum workspace"),
        pytest.param(
            "calendars",
            {
                ("calendar", "office-hours"),
                ("calendar", "ops-hours"),
                ("calendar", "unused"),
                ("holiday", "xmas"),
                ("holiday", "nyd"),
                ("holiday", "kings"),
            },
            id="calendar: its holidays",
        ),
        pytest.param(
            "office",
            {("calendar", "office-hours"), ("holiday", "xmas"), ("holiday", "nyd")},
            id="one calendar by id",
        ),
        pytest.param(
            "app-dev",
            WS
            - {
                ("scrum_workspace", "ws"),
                ("product_backlog", "backlog"),
                ("request_template", "expense"),
            },
            id="team: calendar, board and the board's column teams",
        ),
        pytest.param(
            "templates",
            {
                ("request_template", "expense"),
                ("calendar", "office-hours"),
                ("holiday", "xmas"),
                ("holiday", "nyd"),
            },
            id="request template: support hours",
        ),
        pytest.param(
            "flows",
            {("flow", "export"), ("solution", "payroll"), ("connection", "api")},
            id="flow: solution and connections",
        ),
    ],
)
def test_closure_holds_the_roots_and_everything_they_need_transitively(tree, name, expected):
    assert set(closure_of(tree, name).records) == expected


def test_reference_data_is_never_in_the_closure_but_listed_with_every_use(tree):
    result = closure_of(tree, "ws")

    assert not {kind for kind, _ in result.records} & {"person", "organization", "site"}
    uses = {value: sorted(f"{r}.{f}" for r, f in used) for value, used in result.references.items()}
    assert uses == {
        ("organization", "Widget Data Center"): ["request_template/expense.supplier"],
        ("person", "frank.watson@wdc.example"): ["team/app-dev.coordinator"],
        ("person", "howard.tanner@wdc.example"): ["agile_board/board.columns[1].member"],
        ("person", "rodney.wilson@wdc.example"): [
            "agile_board/board.manager",
            "product_backlog/backlog.product_owner",
            "team/app-dev.manager",
        ],
    }


def test_a_teams_members_are_left_out_of_a_sync_set_unless_it_includes_them(tree):
    without = closure_of(tree, "ws")
    including = closure_of(tree, "ws-with-people")

    assert without.left_out == (("team/app-dev", "members"),)
    assert including.left_out == ()
    assert including.records == without.records
    assert sorted(f for r, f in including.references[("person", "howard.tanner@wdc.example")]) == [
        "columns[1].member",
        "members",
    ]


def test_include_names_only_opt_in_fields_and_is_refused_at_its_line(repo):
    repo.write(
        "syncsets.yaml",
        "version: 1\nsync_sets:\n  s:\n    root: team\n    include: [team.members, team.name]\n",
    )

    with pytest.raises(ConfigError) as caught:
        load_syncsets(repo.root)

    assert [str(p) for p in caught.value.problems] == [
        "syncsets.yaml:5:29: 'team.name' is not an opt-in field (opt-in fields: team.members)"
    ]


def test_references_of_records_outside_the_set_are_not_listed(tree):
    assert ("person", "olivia.ops@wdc.example") not in closure_of(tree, "ws").references
    assert ("person", "olivia.ops@wdc.example") in closure_of(tree, "scrum").references


def test_a_selected_root_id_that_does_not_exist_is_reported_as_missing(tree):
    result = closure_of(tree, "gone")

    assert result.missing_roots == ("nobody",)
    assert ("team", "app-dev") in result.records


def test_a_reference_cycle_between_team_and_board_is_followed_once(tree):
    """app-dev's board has a column for app-dev: the closure stops where it has been."""
    env = tree.validate("dev", {"PAYROLL_SECRET": SECRET})

    result = closure(env, SyncSetDefinition(root="agile_board", records=["board"]))

    assert result.records == frozenset(
        WS
        - {
            ("scrum_workspace", "ws"),
            ("product_backlog", "backlog"),
            ("request_template", "expense"),
        }
    )
    assert result.references[("person", "frank.watson@wdc.example")] == [
        ("team/app-dev", "coordinator"),
    ]


# -- syncsets.yaml ---------------------------------------------------------------------------


def test_syncsets_file_of_the_repository_defines_the_seeds_sets(example):
    sets = load_syncsets(example)

    assert sets["scrum"].root == "scrum_workspace"
    assert sets["scrum"].records == []


def test_an_unknown_sync_set_names_the_known_ones(tree):
    with pytest.raises(RepositoryError, match=r"unknown sync set 'nope' \(sync sets: scrum, ws"):
        get_syncset(tree.root, "nope")


def test_a_repository_without_syncsets_file_says_where_to_define_them(repo):
    with pytest.raises(RepositoryError, match=r"none: define them in syncsets\.yaml"):
        get_syncset(repo.root, "scrum")


def test_a_root_that_is_reference_data_or_unknown_is_refused_at_its_line(repo):
    repo.write(
        "syncsets.yaml",
        """
        version: 1
        sync_sets:
          people:
            root: person
          typo:
            root: calender
        """,
    )

    with pytest.raises(ConfigError) as caught:
        load_syncsets(repo.root)

    assert [str(p) for p in caught.value.problems] == [
        "syncsets.yaml:4:11: root 'person' is not a config kind",
        "syncsets.yaml:6:11: root 'calender' is not a config kind",
    ]


def test_syncsets_file_is_strict(repo):
    repo.write("syncsets.yaml", "version: 1\nsync_sets:\n  s:\n    root: team\n    record: [a]\n")

    with pytest.raises(ConfigError) as caught:
        load_syncsets(repo.root)

    assert [p.line for p in caught.value.problems] == [5]
    assert "Extra inputs are not permitted" in str(caught.value)


# -- syncset list / show / --csv -------------------------------------------------------------


def test_show_prints_counts_records_and_references_with_their_uses(tree, cli):
    result = cli("syncsets", "show", "templates", "--env", "dev")

    assert result.code == 0, result.err
    assert result.out == (
        "Sync set templates in dev: root request_template\n"
        "  calendar           1\n"
        "  holiday            2\n"
        "  request_template   1\n"
        "Records:\n"
        "  calendar/office-hours\n"
        "  holiday/nyd\n"
        "  holiday/xmas\n"
        "  request_template/expense\n"
        "References to map:\n"
        "  organization Widget Data Center: request_template/expense.supplier\n"
    )


def test_show_lists_every_field_that_uses_a_person(tree, cli):
    result = cli("syncsets", "show", "ws", "--env", "dev")

    line = next(x for x in result.out.splitlines() if "howard.tanner" in x)
    assert line.startswith("  person howard.tanner@wdc.example: ")
    assert set(line.split(": ", 1)[1].split(", ")) == {"agile_board/board.columns[1].member"}
    assert "  team               2\n" in result.out
    assert (
        "  note: team/app-dev.members is left out (opt-in; include: [team.members] carries it)"
        in result.out
    )


def test_show_warns_about_a_selected_root_that_is_not_in_the_environment(tree, cli):
    result = cli("syncsets", "show", "gone", "--env", "dev")

    assert result.code == 0
    assert "warning: team/nobody is not in dev" in result.out


def test_show_of_an_unknown_sync_set_is_an_error(tree, cli):
    result = cli("syncsets", "show", "nope", "--env", "dev")

    assert result.code == 1
    assert "unknown sync set 'nope'" in result.err


def test_csv_writes_one_file_per_kind_with_a_row_per_record(tree, cli, tmp_path):
    out = tmp_path / "records"

    result = cli("syncsets", "show", "ws", "--env", "dev", "--csv", str(out))

    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{kind}.csv" for kind in {kind for kind, _ in WS}
    )
    with (out / "team.csv").open(encoding="utf-8", newline="") as handle:
        teams = {row["id"]: row for row in csv.DictReader(handle)}
    assert sorted(teams) == ["app-dev", "reviewers"]
    assert teams["app-dev"]["work_hours"] == "office-hours"
    assert json.loads(teams["app-dev"]["members"]) == [
        "frank.watson@wdc.example",
        "howard.tanner@wdc.example",
    ]
    with (out / "agile_board.csv").open(encoding="utf-8", newline="") as handle:
        [board] = list(csv.DictReader(handle))
    assert [c.get("team") for c in json.loads(board["columns"])] == ["app-dev", "reviewers"]


def test_csv_never_holds_a_secret_value(tree, cli, tmp_path):
    out = tmp_path / "records"

    result = cli("syncsets", "show", "flows", "--env", "dev", "--csv", str(out))

    assert result.code == 0, result.err
    with (out / "connection.csv").open(encoding="utf-8", newline="") as handle:
        [api] = list(csv.DictReader(handle))
    assert api["secret"] == "(sensitive)"
    assert not [p for p in out.iterdir() if SECRET in p.read_text(encoding="utf-8")]


def test_list_names_every_sync_set_with_its_root(tree, cli):
    result = cli("syncsets", "list")

    assert result.code == 0
    assert "scrum: Scrum workspaces [root scrum_workspace]\n" in result.out
    assert "office: calendar [root calendar (office-hours)]\n" in result.out


# -- --sync-set selects the closure in plan --------------------------------------------------


def test_plan_with_a_sync_set_speaks_only_about_its_records_and_references(tree, cli):
    result = cli("plan", "dev", "--sync-set", "ws", "--format", "json")

    plan = json.loads(result.out)
    assert {(c["kind"], c["id"]) for c in plan["changes"]} == WS
    assert {m["value"] for m in plan["mappings"]} == {
        "Widget Data Center",
        "frank.watson@wdc.example",
        "howard.tanner@wdc.example",
        "rodney.wilson@wdc.example",
    }


def test_apply_with_a_sync_set_writes_only_its_records(tree, cli):
    result = cli("apply", "dev", "--sync-set", "office", "--auto-approve")

    assert result.code == 0, result.err
    written = {(row["kind"], row["source_id"]) for row in account_rows(tree.root, "dev")}
    assert written == {("calendar", "office-hours"), ("holiday", "xmas"), ("holiday", "nyd")}


def test_the_old_syncset_spelling_still_works_but_is_hidden_from_help(tree, cli):
    old = cli("syncset", "show", "templates", "--env", "dev")
    new = cli("syncsets", "show", "templates", "--env", "dev")
    shown = cli("--help")

    assert old.code == 0, old.err
    assert old.out == new.out
    assert "syncsets" in shown.out
    assert " syncset " not in shown.out.replace("syncset syncsets", "")


def test_csv_writes_booleans_as_json_does(tree, cli, tmp_path):
    out = tmp_path / "records"

    result = cli("syncsets", "show", "ws", "--env", "dev", "--csv", str(out))

    assert result.code == 0, result.err
    with (out / "team.csv").open(encoding="utf-8", newline="") as handle:
        teams = {row["id"]: row for row in csv.DictReader(handle)}
    assert teams["app-dev"]["disabled"] == "false"
