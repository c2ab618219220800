"""Files written with syncset 0.1's names: every old name and value says what Xurrent has.

The catalog holds only the real Xurrent names (docs/migration-xurrent-names.md); the names it
dropped are declared per kind so that validate explains them, and enum fields take exactly
Xurrent's values, pointing at the new spelling of an old one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from syncset.schemas.xurrent import UiExtensionCategory

if TYPE_CHECKING:
    from conftest import Repo


CAL = "environments/dev/calendars/office.yaml"
BOARD = "environments/dev/agile_boards/expense-reporting.yaml"
CATEGORIES = [category.value for category in UiExtensionCategory]


def write_calendar(repo: Repo, hours: str) -> None:
    repo.write(CAL, "kind: calendar\nid: office\nname: Office Hours\nhours:\n" + hours)


def test_a_long_weekday_name_of_an_old_file_says_which_name_to_write(repo: Repo) -> None:
    write_calendar(repo, "  - {weekday: monday, time_from: '08:00', time_until: '17:00'}\n")

    assert repo.problems() == [
        f"{CAL}:5:15: calendar/office: hours[0].weekday: 'monday' is not a weekday: Xurrent "
        "uses mon, tue, wed, thu, fri, sat, sun (write mon)"
    ]


def test_a_whole_day_runs_from_00_00_to_24_00(repo: Repo) -> None:
    write_calendar(repo, "  - {weekday: sun, time_from: '00:00', time_until: '24:00'}\n")

    hours = repo.validate().records[("calendar", "office")].fields["hours"]

    assert hours == [{"weekday": "sun", "time_from": "00:00", "time_until": "24:00"}]


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("description", "calendars have no description in Xurrent"),
        ("time_zone", "the time zone of work hours is the team's time_zone in Xurrent"),
    ],
)
def test_a_calendar_field_xurrent_does_not_have_says_why(repo: Repo, field: str, reason: str):
    repo.write(CAL, f"kind: calendar\nid: office\nname: Office Hours\n{field}: x\n")

    assert repo.problems() == [
        f"{CAL}:4:1: calendar/office: {field}: {field} is not a calendar field: {reason}"
    ]


def test_board_columns_take_xurrents_action_and_dialog_types_and_days_to_remove(repo: Repo):
    repo.write(
        BOARD,
        """
        kind: agile_board
        id: expense-reporting
        name: Expense Reporting
        columns:
          - name: Done
            action_type: complete
            dialog_type: minimal
            remove_after: 0
        """,
    )

    columns = repo.validate().records[("agile_board", "expense-reporting")].fields["columns"]

    assert columns == [
        {
            "name": "Done",
            "action_type": "complete",
            "dialog_type": "minimal",
            "remove_after": 0,
            "position": 1,
        }
    ]


def test_old_ui_extension_names_say_what_xurrent_has(repo: Repo) -> None:
    repo.write(
        "environments/dev/ui.yaml",
        "kind: ui_extension\nid: x\nname: X\ncategory: request\ntitle_text: T\nactivate: true\n",
    )

    assert repo.problems() == [
        "environments/dev/ui.yaml:4:11: ui_extension/x: category: 'request' is not a UI "
        "extension category: Xurrent uses " + ", ".join(CATEGORIES),
        "environments/dev/ui.yaml:5:1: ui_extension/x: title_text: title_text is not a UI "
        "extension field: Xurrent calls it title",
        "environments/dev/ui.yaml:6:1: ui_extension/x: activate: activate is not a UI extension "
        "field: apply activates a new version whenever html, css, javascript or "
        "form_definition change",
    ]


def test_a_request_templates_enums_take_only_xurrents_values(repo: Repo) -> None:
    repo.write(
        "environments/dev/rt.yaml",
        "kind: request_template\nid: a\nsubject: S\ncategory: request\nimpact: huge\n",
    )

    problems = repo.problems()

    assert problems[0].startswith(
        "environments/dev/rt.yaml:4:11: request_template/a: category: 'request' is not a request "
        "category: Xurrent uses case, complaint,"
    )
    assert problems[1] == (
        "environments/dev/rt.yaml:5:9: request_template/a: impact: 'huge' is not an impact: "
        "Xurrent uses low, medium, high, top"
    )
