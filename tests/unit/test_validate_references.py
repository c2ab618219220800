"""Checks across records: identity, kinds, references, unique names and sensitive values."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Repo


TEAM = "environments/dev/teams/application-development.yaml"
CAL = "environments/dev/calendars/office.yaml"
BOARD = "environments/dev/agile_boards/expense-reporting.yaml"


def test_duplicate_id_names_the_first_declaration(repo: Repo) -> None:
    repo.write(TEAM, "kind: team\nid: application-development\nname: Application Development\n")
    repo.write(
        "environments/dev/teams/copy.yaml",
        "# a copy\nkind: team\nid: application-development\nname: App Dev (copy)\n",
    )

    assert repo.problems() == [
        "environments/dev/teams/copy.yaml:3:5: team/application-development: id: duplicate id: "
        f"team/application-development is already declared at {TEAM}:2:5"
    ]


def test_same_id_in_two_kinds_is_allowed(repo: Repo) -> None:
    repo.write(
        "environments/dev/er.yaml",
        "kind: agile_board\nid: expense-reporting\nname: Expense Reporting\n---\n"
        "kind: product_backlog\nid: expense-reporting\nname: Expense Reporting\n",
    )

    assert set(repo.validate().records) == {
        ("agile_board", "expense-reporting"),
        ("product_backlog", "expense-reporting"),
    }


def test_unknown_kind_suggests_the_closest_kind(repo: Repo) -> None:
    repo.write(CAL, "kind: calender\nid: office\nname: Office\n")

    assert repo.problems() == [
        f"{CAL}:1:7: kind: unknown kind 'calender': did you mean 'calendar'?"
    ]


def test_unknown_kind_without_a_close_one_lists_the_kinds(repo: Repo) -> None:
    repo.write(CAL, "kind: spaceship\nid: office\n")

    (problem,) = repo.problems()

    assert problem.startswith(f"{CAL}:1:7: kind: unknown kind 'spaceship': kinds: calendar, ")


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("person", "name: Rodney Wilson\nprimary_email: rodney.wilson@wdc.example\n"),
        ("organization", "name: Widget Data Center\n"),
        ("site", "name: Amsterdam\n"),
    ],
)
def test_reference_data_kind_is_refused_in_an_environment(
    repo: Repo, kind: str, fields: str
) -> None:
    repo.write("environments/dev/people/rodney.yaml", f"kind: {kind}\nid: rodney\n{fields}")

    assert repo.problems() == [
        f"environments/dev/people/rodney.yaml:1:7: {kind}/rodney: kind: {kind} is reference "
        "data: it is mapped between accounts, never copied; map it in mappings.yaml instead"
    ]


def test_team_work_hours_calendar_must_be_declared(repo: Repo) -> None:
    repo.write(CAL, "kind: calendar\nid: office-hours\nname: Office Hours\n")
    repo.write(
        TEAM,
        "kind: team\nid: application-development\nname: Application Development\n"
        "work_hours: ofice-hours\n",
    )

    assert repo.problems() == [
        f"{TEAM}:4:13: team/application-development: work_hours: calendar 'ofice-hours' is not "
        "declared in this environment: did you mean 'office-hours'?"
    ]


def test_dangling_reference_without_a_close_id_says_what_to_declare(repo: Repo) -> None:
    repo.write(
        TEAM,
        "kind: team\nid: application-development\nname: Application Development\n"
        "work_hours: office-hours\n",
    )

    assert repo.problems() == [
        f"{TEAM}:4:13: team/application-development: work_hours: calendar 'office-hours' is not "
        "declared in this environment: declare calendar/office-hours here"
    ]


def test_reference_lists_are_checked_item_by_item(repo: Repo) -> None:
    repo.write(
        "environments/dev/holidays/christmas.yaml",
        "kind: holiday\nid: christmas\nname: Christmas\nstart_at: 2026-12-25\nend_at: 2026-12-25\n",
    )
    repo.write(
        CAL,
        "kind: calendar\nid: office\nname: Office\nholidays:\n  - christmas\n  - boxing-day\n",
    )

    (problem,) = repo.problems()

    assert problem.startswith(f"{CAL}:")
    assert problem.endswith(
        "holiday 'boxing-day' is not declared in this environment: declare holiday/boxing-day here"
    )


def test_dangling_item_of_a_reference_list_points_at_the_item(repo: Repo) -> None:
    repo.write(
        CAL,
        "kind: calendar\nid: office\nname: Office\nholidays:\n  - boxing-day\n  - new-year\n",
    )

    problems = repo.problems()

    assert [p.split(": declare")[0] for p in problems] == [
        f"{CAL}:5:5: calendar/office: holidays[0]: holiday 'boxing-day' is not declared in "
        "this environment",
        f"{CAL}:6:5: calendar/office: holidays[1]: holiday 'new-year' is not declared in "
        "this environment",
    ]


def test_reference_inside_a_child_collection_is_checked(repo: Repo) -> None:
    repo.write(
        BOARD,
        """
        kind: agile_board
        id: expense-reporting
        name: Expense Reporting
        columns:
          - name: To Do
          - name: In Progress
            team: application-development
        """,
    )

    assert repo.problems() == [
        f"{BOARD}:7:11: agile_board/expense-reporting: columns[1].team: team "
        "'application-development' is not declared in this environment: "
        "declare team/application-development here"
    ]


def test_reference_to_an_invalid_record_is_not_reported_as_undeclared(repo: Repo) -> None:
    repo.write(CAL, "kind: calendar\nid: office-hours\nname: Office Hours\ncolour: blue\n")
    repo.write(
        TEAM,
        "kind: team\nid: application-development\nname: Application Development\n"
        "work_hours: office-hours\n",
    )

    assert repo.problems() == [
        f"{CAL}:4:1: calendar/office-hours: colour: unknown field: calendar has name, "
        "disabled, holidays, hours"
    ]


def test_references_to_reference_data_are_not_required_to_be_declared(repo: Repo) -> None:
    repo.write(
        TEAM,
        "kind: team\nid: application-development\nname: Application Development\n"
        "coordinator: frank.watson@wdc.example\nmanager: rodney.wilson@wdc.example\n",
    )

    assert ("team", "application-development") in repo.validate().records


def test_references_are_checked_across_files_and_folders(repo: Repo) -> None:
    repo.write(CAL, "kind: calendar\nid: office\nname: Office\n")
    repo.write(
        "environments/dev/deep/er/teams.yml",
        "kind: team\nid: application-development\nname: App Dev\nwork_hours: office\n",
    )

    env = repo.validate()

    assert env.records[("team", "application-development")].fields["work_hours"] == "office"
    assert env.records[("team", "application-development")].origin.path == (
        "environments/dev/deep/er/teams.yml"
    )


def test_unique_name_clash_within_an_environment(repo: Repo) -> None:
    repo.write(TEAM, "kind: team\nid: application-development\nname: Application Development\n")
    repo.write(
        "environments/dev/teams/app-dev.yaml",
        "kind: team\nid: app-dev\nname: Application Development\n",
    )

    # Files are read in path order, so the later path is the one reported.
    assert repo.problems() == [
        f"{TEAM}:3:7: team/application-development: name: name 'Application Development' is "
        "already used by team/app-dev: team names are unique in the account (ignoring case and "
        "spacing)"
    ]


def test_team_names_differing_only_in_case_or_spacing_are_duplicates(repo: Repo) -> None:
    repo.write(TEAM, "kind: team\nid: application-development\nname: application  DEVELOPMENT\n")
    repo.write(
        "environments/dev/teams/app-dev.yaml",
        "kind: team\nid: app-dev\nname: Application Development\n",
    )

    assert repo.problems() == [
        f"{TEAM}:3:7: team/application-development: name: name 'application  DEVELOPMENT' is "
        "already used by team/app-dev: team names are unique in the account (ignoring case and "
        "spacing)"
    ]


def test_same_name_in_different_kinds_or_non_unique_kinds_is_fine(repo: Repo) -> None:
    repo.write(
        "environments/dev/er.yaml",
        """
        kind: agile_board
        id: er-board
        name: Expense Reporting
        ---
        kind: product_backlog
        id: er-backlog
        name: Expense Reporting
        ---
        kind: holiday
        id: christmas-2026
        name: Christmas
        start_at: 2026-12-25
        end_at: 2026-12-25
        ---
        kind: holiday
        id: christmas-2027
        name: Christmas
        start_at: 2027-12-25
        end_at: 2027-12-25
        """,
    )

    assert len(repo.validate().records) == 4


def test_hidden_folders_and_reserved_files_are_not_records(repo: Repo) -> None:
    repo.write("environments/dev/.drafts/team.yaml", "kind: nonsense\n")
    repo.write("environments/dev/teams/environment.yaml", "kind: team\nid: t\nname: T\n")

    assert set(repo.validate().records) == {("team", "t")}


def test_empty_documents_are_ignored(repo: Repo) -> None:
    repo.write(TEAM, "---\n---\nkind: team\nid: a\nname: A\nmanager: bad\n---\n")

    assert repo.problems() == [
        f"{TEAM}:6:10: team/a: manager: 'bad' is not an e-mail address "
        "(expected name@domain.example)"
    ]


# --- sensitive values ---------------------------------------------------------------------

CONN = "environments/dev/connections/erp.yaml"


def test_sensitive_field_written_literally_is_refused(repo: Repo) -> None:
    repo.write(CONN, "kind: connection\nid: erp\nname: ERP\ntype: http\nsecret: hunter2\n")

    assert repo.problems() == [
        f"{CONN}:5:9: connection/erp: secret: sensitive value written in YAML: "
        'use {{ env("NAME") }} and keep it in a secret store'
    ]


def test_sensitive_field_read_from_env_is_accepted_and_marked_secret(repo: Repo) -> None:
    repo.write(
        CONN,
        "kind: connection\nid: erp\nname: ERP\ntype: http\nsecret: '{{ env(\"ERP_TOKEN\") }}'\n",
    )

    record = repo.validate(environ={"ERP_TOKEN": "hunter2"}).records[("connection", "erp")]

    assert record.fields["secret"] == "hunter2"
    assert record.secrets == frozenset({"secret"})


def test_non_sensitive_value_read_from_env_is_marked_secret(repo: Repo) -> None:
    repo.write(
        CONN,
        """
        kind: connection
        id: erp
        name: ERP
        type: http
        settings:
          user: '{{ env("ERP_USER") }}'
          host: erp.example
        """,
    )

    record = repo.validate(environ={"ERP_USER": "svc-erp"}).records[("connection", "erp")]

    assert record.fields["settings"] == {"user": "svc-erp", "host": "erp.example"}
    assert record.secrets == frozenset({"settings.user"})


def test_value_from_a_var_that_read_env_is_secret(repo: Repo) -> None:
    repo.add_environment("dev", extra="vars:\n  erp_token: '{{ env(\"ERP_TOKEN\") }}'\n")
    repo.write(
        CONN,
        "kind: connection\nid: erp\nname: ERP\ntype: http\nsecret: '{{ vars.erp_token }}'\n"
        "description: 'token {{ vars.erp_token }}'\n",
    )

    record = repo.validate(environ={"ERP_TOKEN": "hunter2"}).records[("connection", "erp")]

    assert record.secrets == frozenset({"secret", "description"})


# --- every problem, not the first ---------------------------------------------------------


def test_every_problem_is_reported_sorted_by_position(repo: Repo) -> None:
    repo.write(
        TEAM,
        "kind: team\nid: application-development\nname: Application Development\n"
        "work_hours: nowhere\nmanager: Rodney\n",
    )
    repo.write(
        CAL,
        "kind: calendar\nid: office\nname: Office\nhours:\n"
        "  - {weekday: caturday, time_from: '09:00', time_until: '17:00'}\n"
        "  - {weekday: mon, time_from: '09:00', time_until: '08:00'}\n",
    )
    repo.write(
        BOARD,
        "kind: agile_board\nid: expense-reporting\nname: ER\ncolumns:\n"
        "  - {name: To Do, team: ghosts}\n",
    )
    repo.write("environments/dev/zz.yaml", "kind: wat\nid: z\n")

    problems = repo.problems()

    assert [p.split(": ")[0] for p in problems] == [
        f"{BOARD}:5:25",
        f"{CAL}:5:15",
        f"{CAL}:6:5",
        f"{TEAM}:5:10",
        "environments/dev/zz.yaml:1:7",
    ]
