"""What a reviewer sees of a snapshot or drift pull request: the git diff of the YAML.

A hand edit of one child in the account (one calendar hour, one board column) must come back as
a one-line change, the list's flow style and the times' quotes kept, and the summary must count
what was really written.
"""

from __future__ import annotations

import difflib
import shutil

import pytest
from example_root import EXAMPLE_ROOT
from promotion_helpers import account_row, edit_by_hand
from ruamel.yaml import YAML

DEV = "environments/dev"
CALENDAR = f"{DEV}/calendars/app-dev-office-hours.yaml"
BOARD = f"{DEV}/agile_boards/expense-reporting.yaml"


@pytest.fixture
def applied(repo, cli):
    """The example dev folder applied to its account (the people made by hand first)."""
    shutil.copytree(EXAMPLE_ROOT / "environments", repo.root / "environments", dirs_exist_ok=True)
    people = repo.write("people.yaml", (EXAMPLE_ROOT / "docs/demo/wdc-people.yaml").read_text())
    assert cli("sandbox", "load", "dev", "people.yaml").code == 0
    people.unlink()
    result = cli("apply", "dev", "--auto-approve")
    assert result.code == 0, result.err
    return repo


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def edit_child(root, kind, key, children, index, /, **fields):
    row = account_row(root, "dev", kind, key)
    items = [dict(item) for item in row["data"][children]]
    items[index].update(fields)
    edit_by_hand(root, "dev", kind, key, **{children: items})


def test_one_hour_changed_in_the_account_is_a_one_line_diff(applied, cli):
    before = applied.root.joinpath(CALENDAR).read_text(encoding="utf-8")
    name = "Application Development - Office Hours"
    edit_child(applied.root, "calendar", name, "hours", 4, time_until="15:00")

    result = cli("snapshot", "dev")

    assert result.code == 0, result.err
    after = applied.root.joinpath(CALENDAR).read_text(encoding="utf-8")
    assert changed_lines(before, after) == [
        '-  - {weekday: fri, time_from: "08:00", time_until: "16:00"}',
        '+  - {weekday: fri, time_from: "08:00", time_until: "15:00"}',
    ]
    assert "wrote 0 new and 1 updated records (1 files); 6 unchanged" in result.out
    assert "Plan: no changes." in cli("plan", "dev").out


def test_an_hour_added_in_the_account_is_one_added_line_in_the_lists_style(applied, cli):
    before = applied.root.joinpath(CALENDAR).read_text(encoding="utf-8")
    row = account_row(applied.root, "dev", "calendar", "Application Development - Office Hours")
    hours = [*row["data"]["hours"], {"weekday": "sat", "time_from": "09:00", "time_until": "12:00"}]
    edit_by_hand(applied.root, "dev", "calendar", row["data"]["name"], hours=hours)

    assert cli("snapshot", "dev").code == 0

    after = applied.root.joinpath(CALENDAR).read_text(encoding="utf-8")
    assert changed_lines(before, after) == [
        '+  - {weekday: sat, time_from: "09:00", time_until: "12:00"}'
    ]


def test_one_column_renamed_in_the_account_is_a_one_line_diff(applied, cli):
    before = applied.root.joinpath(BOARD).read_text(encoding="utf-8")
    edit_child(applied.root, "agile_board", "Expense Reporting", "columns", 0, name="Backlog")

    assert cli("snapshot", "dev").code == 0

    after = applied.root.joinpath(BOARD).read_text(encoding="utf-8")
    assert changed_lines(before, after) == ["-  - name: To Do", "+  - name: Backlog"]


def test_times_in_new_files_are_quoted_so_yaml_1_1_readers_see_strings(repo, cli):
    calendar = "kind: calendar\nid: c1\nname: Late Shift\nhours:\n"
    calendar += '  - {weekday: mon, time_from: "13:00", time_until: "21:30"}\n'
    repo.write("hand-made.yaml", calendar)
    assert cli("sandbox", "load", "dev", "hand-made.yaml").code == 0

    assert cli("snapshot", "dev").code == 0

    text = repo.root.joinpath(DEV, "calendars/late-shift.yaml").read_text(encoding="utf-8")
    assert '  - {weekday: mon, time_from: "13:00", time_until: "21:30"}\n' in text
    as_yaml_1_1 = YAML(typ="safe", pure=True)
    as_yaml_1_1.version = (1, 1)
    assert as_yaml_1_1.load(text)["hours"][0]["time_until"] == "21:30"


def test_a_change_only_to_a_templated_field_is_not_counted_as_an_update(applied, cli):
    edit_by_hand(applied.root, "dev", "agile_board", "Expense Reporting", description="Typed over.")

    result = cli("snapshot", "dev")

    assert "wrote 0 new and 0 updated records (0 files); 7 unchanged" in result.out
    assert "description is templated; left as it is" in result.out
