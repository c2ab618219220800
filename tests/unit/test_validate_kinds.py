"""Each kind's validation: a good record normalises, each typed rule is one positioned problem."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Repo


CAL = "environments/dev/calendars/office.yaml"


def write_calendar(repo: Repo, hours: str) -> None:
    repo.write(CAL, "kind: calendar\nid: office\nname: Office Hours\nhours:\n" + hours)


# --- calendar -----------------------------------------------------------------------------


def test_calendar_hours_normalise_to_zero_padded_times(repo: Repo) -> None:
    write_calendar(
        repo,
        "  - {weekday: mon, time_from: '8:00', time_until: '17:00'}\n"
        "  - {weekday: fri, time_from: '08:00', time_until: '24:00'}\n",
    )

    record = repo.validate().records[("calendar", "office")]

    assert record.fields == {
        "name": "Office Hours",
        "hours": [
            {"weekday": "mon", "time_from": "08:00", "time_until": "17:00"},
            {"weekday": "fri", "time_from": "08:00", "time_until": "24:00"},
        ],
        "disabled": False,
    }


def test_weekday_must_be_one_of_xurrents_weekdays(repo: Repo) -> None:
    write_calendar(repo, "  - {weekday: funday, time_from: '08:00', time_until: '17:00'}\n")

    assert repo.problems() == [
        f"{CAL}:5:15: calendar/office: hours[0].weekday: 'funday' is not a weekday: Xurrent "
        "uses mon, tue, wed, thu, fri, sat, sun"
    ]


def test_time_from_must_be_before_time_until(repo: Repo) -> None:
    write_calendar(repo, "  - weekday: mon\n    time_from: '17:00'\n    time_until: '08:00'\n")

    assert repo.problems() == [
        f"{CAL}:5:5: calendar/office: hours[0]: time_from 17:00 must be before time_until 08:00"
    ]


def test_equal_from_and_until_is_refused(repo: Repo) -> None:
    write_calendar(repo, "  - {weekday: mon, time_from: '08:00', time_until: '08:00'}\n")

    (problem,) = repo.problems()

    assert problem.endswith("hours[0]: time_from 08:00 must be before time_until 08:00")


@pytest.mark.parametrize("bad", ["24:30", "25:00", "8h", "08:60", "noon"])
def test_time_must_be_hh_mm_up_to_24_00(repo: Repo, bad: str) -> None:
    write_calendar(repo, f"  - {{weekday: mon, time_from: '08:00', time_until: '{bad}'}}\n")

    assert repo.problems() == [
        f"{CAL}:5:52: calendar/office: hours[0].time_until: "
        f"'{bad}' is not a time of day (expected HH:MM, 00:00 to 24:00)"
    ]


def test_missing_child_field_points_at_the_item(repo: Repo) -> None:
    write_calendar(repo, "  - {weekday: mon, time_from: '08:00'}\n")

    assert repo.problems() == [
        f"{CAL}:5:5: calendar/office: hours[0].time_until: required field is missing"
    ]


def test_unknown_child_field_suggests_the_child_field(repo: Repo) -> None:
    write_calendar(repo, "  - {weekday: mon, time_from: '08:00', time_untill: '17:00'}\n")

    problems = repo.problems()

    assert (
        f"{CAL}:5:40: calendar/office: hours[0].time_untill: unknown field: "
        "did you mean 'time_until'?"
    ) in problems


# --- holiday ------------------------------------------------------------------------------

HOL = "environments/dev/holidays/christmas.yaml"


def write_holiday(repo: Repo, start: str, end: str) -> None:
    repo.write(
        HOL,
        f"kind: holiday\nid: christmas\nname: Christmas Day\nstart_at: {start}\nend_at: {end}\n",
    )


def test_holiday_bare_end_date_includes_the_whole_day(repo: Repo) -> None:
    write_holiday(repo, "2026-12-25", "2026-12-25")

    fields = repo.validate().records[("holiday", "christmas")].fields

    assert fields["start_at"] == "2026-12-25T00:00:00Z"
    assert fields["end_at"] == "2026-12-26T00:00:00Z"


def test_holiday_timestamps_are_normalised_to_utc(repo: Repo) -> None:
    write_holiday(repo, "2026-12-24T13:00:00+01:00", "2026-12-24T18:00:00Z")

    fields = repo.validate().records[("holiday", "christmas")].fields

    assert fields["start_at"] == "2026-12-24T12:00:00Z"
    assert fields["end_at"] == "2026-12-24T18:00:00Z"


def test_holiday_ending_before_it_starts_is_refused(repo: Repo) -> None:
    write_holiday(repo, "2026-12-26", "2026-12-25")

    assert repo.problems() == [f"{HOL}:1:1: holiday/christmas: start_at must be before end_at"]


def test_holiday_date_must_be_a_date(repo: Repo) -> None:
    write_holiday(repo, "'25 December'", "2026-12-25")

    assert repo.problems() == [
        f"{HOL}:4:11: holiday/christmas: start_at: '25 December' is not a date or timestamp "
        "(expected 2026-12-25 or 2026-12-25T09:00:00Z)"
    ]


def test_quoted_holiday_end_date_is_inclusive_too(repo: Repo) -> None:
    write_holiday(repo, "'2026-12-25'", "'2026-12-25'")

    fields = repo.validate().records[("holiday", "christmas")].fields

    assert fields["end_at"] == "2026-12-26T00:00:00Z"


# --- team ---------------------------------------------------------------------------------

TEAM = "environments/dev/teams/application-development.yaml"


def test_team_emails_are_trimmed_and_lower_cased(repo: Repo) -> None:
    repo.write(
        TEAM,
        """
        kind: team
        id: application-development
        name: Application Development
        coordinator: Frank.Watson@WDC.example
        manager: ' rodney.wilson@wdc.example '
        members: [Frank.Watson@wdc.example]
        """,
    )

    fields = repo.validate().records[("team", "application-development")].fields

    assert fields["coordinator"] == "frank.watson@wdc.example"
    assert fields["manager"] == "rodney.wilson@wdc.example"
    assert fields["members"] == ["frank.watson@wdc.example"]


def test_team_email_must_be_an_address(repo: Repo) -> None:
    repo.write(TEAM, "kind: team\nid: application-development\nname: A\nmanager: Rodney Wilson\n")

    assert repo.problems() == [
        f"{TEAM}:4:10: team/application-development: manager: 'Rodney Wilson' is not an e-mail "
        "address (expected name@domain.example)"
    ]


def test_unknown_field_suggests_the_closest_name(repo: Repo) -> None:
    repo.write(TEAM, "kind: team\nid: application-development\nname: A\ncoordinater: x@y.example\n")

    assert repo.problems() == [
        f"{TEAM}:4:1: team/application-development: coordinater: unknown field: "
        "did you mean 'coordinator'?"
    ]


def test_unknown_field_without_a_close_name_lists_the_fields(repo: Repo) -> None:
    repo.write(TEAM, "kind: team\nid: application-development\nname: A\nzzz: 1\n")

    (problem,) = repo.problems()

    assert problem.startswith(
        f"{TEAM}:4:1: team/application-development: zzz: unknown field: team has"
    )
    assert "work_hours" in problem


def test_missing_required_field_points_at_the_record(repo: Repo) -> None:
    repo.write(TEAM, "kind: team\nid: application-development\nremarks: no name\n")

    assert repo.problems() == [
        f"{TEAM}:1:1: team/application-development: name: required field is missing"
    ]


@pytest.mark.parametrize("bad", ["Application-Development", "app dev", "-app", "app-", "é"])
def test_id_must_be_a_slug(repo: Repo, bad: str) -> None:
    repo.write(TEAM, f"kind: team\nid: '{bad}'\nname: A\n")

    (problem,) = repo.problems()

    assert problem.startswith(f"{TEAM}:2:5: team/{bad}: id: String should match pattern")


def test_id_may_use_dots_underscores_and_digits(repo: Repo) -> None:
    repo.write(TEAM, "kind: team\nid: app_dev.2026-v2\nname: A\n")

    assert ("team", "app_dev.2026-v2") in repo.validate().records


def test_missing_kind_is_a_problem(repo: Repo) -> None:
    repo.write(TEAM, "id: application-development\nname: A\n")

    assert repo.problems() == [f"{TEAM}:1:1: kind: every record needs a kind (e.g. kind: calendar)"]


def test_document_that_is_not_a_mapping_is_a_problem(repo: Repo) -> None:
    repo.write(TEAM, "- kind: team\n")

    assert repo.problems() == [f"{TEAM}:1:1: expected a mapping with kind, id and fields"]


# --- agile board --------------------------------------------------------------------------

BOARD = "environments/dev/agile_boards/expense-reporting.yaml"


def test_board_columns_get_their_position_from_list_order(repo: Repo) -> None:
    repo.write(
        BOARD,
        """
        kind: agile_board
        id: expense-reporting
        name: Expense Reporting
        columns:
          - name: To Do
          - name: Done
            action_type: complete
            wip_limit: 3
        """,
    )

    columns = repo.validate().records[("agile_board", "expense-reporting")].fields["columns"]

    assert columns == [
        {"name": "To Do", "position": 1},
        {"name": "Done", "action_type": "complete", "wip_limit": 3, "position": 2},
    ]


def test_board_column_names_must_be_unique(repo: Repo) -> None:
    repo.write(
        BOARD,
        """
        kind: agile_board
        id: expense-reporting
        name: Expense Reporting
        columns:
          - name: Doing
          - name: Done
          - name: Doing
        """,
    )

    assert repo.problems() == [
        f"{BOARD}:1:1: agile_board/expense-reporting: column names must be unique; repeated: Doing"
    ]


def test_board_column_action_is_an_enum_and_wip_limit_positive(repo: Repo) -> None:
    repo.write(
        BOARD,
        """
        kind: agile_board
        id: expense-reporting
        name: Expense Reporting
        columns:
          - name: Doing
            action_type: wait
            wip_limit: 0
          - name: Done
            action_type: progress
            dialog_type: big
            description: Finished work
        """,
    )

    assert repo.problems() == [
        f"{BOARD}:6:18: agile_board/expense-reporting: columns[0].action_type: 'wait' is not an "
        "action type: Xurrent uses none, accept, assign, start, complete",
        f"{BOARD}:7:16: agile_board/expense-reporting: columns[0].wip_limit: "
        "Input should be greater than 0",
        f"{BOARD}:9:18: agile_board/expense-reporting: columns[1].action_type: 'progress' is not "
        "an action type: Xurrent uses none, accept, assign, start, complete (write start)",
        f"{BOARD}:10:18: agile_board/expense-reporting: columns[1].dialog_type: 'big' is not a "
        "dialog type: Xurrent uses full, minimal, none",
        f"{BOARD}:11:5: agile_board/expense-reporting: columns[1].description: description is "
        "not an agile board column field: agile board columns have no description in Xurrent",
    ]


# --- product backlog, scrum workspace -----------------------------------------------------

WS = "environments/dev/scrum_workspaces/application-development.yaml"


def write_scrum_set(repo: Repo, sprint_length: str) -> None:
    repo.write(
        "environments/dev/seed.yaml",
        """
        kind: team
        id: application-development
        name: Application Development
        ---
        kind: product_backlog
        id: expense-reporting
        name: Expense Reporting
        product_owner: rodney.wilson@wdc.example
        ---
        kind: agile_board
        id: expense-reporting
        name: Expense Reporting
        """,
    )
    repo.write(
        WS,
        f"""
        kind: scrum_workspace
        id: application-development
        name: Application Development
        team: application-development
        product_backlog: expense-reporting
        agile_board: expense-reporting
        sprint_length: {sprint_length}
        """,
    )


def test_scrum_workspace_with_its_backlog_board_and_team_is_valid(repo: Repo) -> None:
    write_scrum_set(repo, "2")

    env = repo.validate()

    assert env.records[("scrum_workspace", "application-development")].fields["sprint_length"] == 2
    assert env.records[("product_backlog", "expense-reporting")].fields == {
        "name": "Expense Reporting",
        "product_owner": "rodney.wilson@wdc.example",
        "disabled": False,
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "Input should be greater than 0"),
        ("-1", "Input should be greater than 0"),
        ("two", "Input should be a valid integer, unable to parse string as an integer"),
        ("1.5", "Input should be a valid integer, got a number with a fractional part"),
    ],
)
def test_sprint_length_is_a_positive_integer(repo: Repo, value: str, message: str) -> None:
    write_scrum_set(repo, value)

    assert repo.problems() == [
        f"{WS}:7:16: scrum_workspace/application-development: sprint_length: {message}"
    ]


def test_scrum_workspace_requires_its_team_backlog_and_board(repo: Repo) -> None:
    repo.write(WS, "kind: scrum_workspace\nid: ws\nname: WS\nsprint_length: 2\n")

    assert repo.problems() == [
        f"{WS}:1:1: scrum_workspace/ws: {field}: required field is missing"
        for field in ("agile_board", "product_backlog", "team")
    ]


# --- ui extension, request template, integration kinds ------------------------------------


def test_ui_extension_and_request_template_validate(repo: Repo) -> None:
    repo.write(
        "environments/dev/ui.yaml",
        """
        kind: ui_extension
        id: expense-fields
        name: Expense fields
        category: request_template
        title: Expense
        html: <div>{{ vars.company }}</div>
        form_definition: {fields: [{id: amount, type: number}]}
        dark_mode_safe: true
        ---
        kind: request_template
        id: expense
        subject: Expense request
        category: rfc
        impact: medium
        status: assigned
        service: Expense Reporting
        keywords: expense, claim
        end_users: true
        specialists: false
        ui_extension: expense-fields
        supplier: Widget Data Center
        """,
    )
    repo.add_environment("dev", extra="vars:\n  company: WDC\n")

    env = repo.validate()

    extension = env.records[("ui_extension", "expense-fields")].fields
    assert extension["html"] == "<div>WDC</div>"
    assert extension["form_definition"] == {"fields": [{"id": "amount", "type": "number"}]}
    template = env.records[("request_template", "expense")].fields
    assert template["supplier"] == "Widget Data Center"
    assert (template["category"], template["impact"], template["status"]) == (
        "rfc",
        "medium",
        "assigned",
    )
    assert template["service"] == "Expense Reporting"


def test_ui_extension_requires_a_category(repo: Repo) -> None:
    repo.write("environments/dev/ui.yaml", "kind: ui_extension\nid: x\nname: X\n")

    assert repo.problems() == [
        "environments/dev/ui.yaml:1:1: ui_extension/x: category: required field is missing"
    ]


def test_request_template_subjects_may_repeat(repo: Repo) -> None:
    repo.write(
        "environments/dev/rt.yaml",
        "kind: request_template\nid: a\nsubject: Same\n---\n"
        "kind: request_template\nid: b\nsubject: Same\n",
    )

    assert len(repo.validate().records) == 2


def test_flow_solution_and_connection_validate(repo: Repo) -> None:
    repo.write(
        "environments/dev/integration.yaml",
        """
        kind: solution
        id: billing
        name: Billing
        ---
        kind: connection
        id: erp
        name: ERP
        type: http
        settings:
          base_url: https://erp.example
          timeout: 30
        secret: '{{ env("ERP_TOKEN") }}'
        ---
        kind: flow
        id: invoices
        name: Invoices
        solution: billing
        connections: [erp]
        """,
    )

    env = repo.validate(environ={"ERP_TOKEN": "t0ken"})

    assert env.records[("connection", "erp")].fields["settings"]["timeout"] == 30
    assert env.records[("flow", "invoices")].fields["connections"] == ["erp"]


def test_disabled_is_always_stated_false_when_unset(repo: Repo) -> None:
    repo.write(TEAM, "kind: team\nid: application-development\nname: A\n")

    fields = repo.validate().records[("team", "application-development")].fields

    assert fields == {"name": "A", "disabled": False}


def test_multi_document_file_positions_count_from_the_file_start(repo: Repo) -> None:
    repo.write(
        "environments/dev/all.yaml",
        "kind: team\nid: a\nname: A\n---\nkind: team\nid: b\nname: B\nmanager: nobody\n",
    )

    assert repo.problems() == [
        "environments/dev/all.yaml:8:10: team/b: manager: 'nobody' is not an e-mail address "
        "(expected name@domain.example)"
    ]


def test_team_time_zone_must_be_in_the_iana_database_with_a_did_you_mean(repo: Repo) -> None:
    repo.write(
        TEAM, "kind: team\nid: application-development\nname: A\ntime_zone: Europe/Amsterdm\n"
    )

    assert repo.problems() == [
        f"{TEAM}:4:12: team/application-development: time_zone: 'Europe/Amsterdm' is not a time "
        "zone in the IANA database: did you mean 'Europe/Amsterdam'?"
    ]


def test_team_time_zone_in_the_iana_database_is_accepted(repo: Repo) -> None:
    repo.write(
        TEAM, "kind: team\nid: application-development\nname: A\ntime_zone: Europe/Amsterdam\n"
    )

    fields = repo.validate().records[("team", "application-development")].fields

    assert fields["time_zone"] == "Europe/Amsterdam"


def test_the_time_zone_database_is_read_once_not_per_team(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zoneinfo

    from syncset.schemas.types import iana_time_zones

    reads: list[int] = []
    real = zoneinfo.available_timezones
    monkeypatch.setattr(zoneinfo, "available_timezones", lambda: reads.append(1) or real())
    iana_time_zones.cache_clear()
    for n in range(3):
        repo.write(
            f"environments/dev/teams/t{n}.yaml",
            f"kind: team\nid: t{n}\nname: T{n}\ntime_zone: Europe/Amsterdam\n",
        )

    assert len(repo.validate().records) == 3
    assert len(reads) == 1
    iana_time_zones.cache_clear()  # the next test reads the real database again


def test_duplicate_calendar_hours_are_refused(repo: Repo) -> None:
    write_calendar(
        repo,
        "  - {weekday: mon, time_from: '08:00', time_until: '17:00'}\n"
        "  - {weekday: mon, time_from: '8:00', time_until: '12:00'}\n",
    )

    assert repo.problems() == [
        f"{CAL}:6:5: calendar/office: hours[1]: duplicate calendar hours: mon, 08:00 is already "
        "item 1 of hours; remove one"
    ]
