"""``syncset compare SRC DST``: what a promotion would change, record by record (or, with
``--live``, how two accounts differ: Synatic's "Compare to Org").

Folder mode reads SRC's records in DST's context (its vars and overrides) against DST's records:
*Exists - no differences*, *Exists - differences* (field by field), *Doesn't exist* in DST,
*Only in destination*.
"""

from __future__ import annotations

import json
import shutil

import pytest
from example_root import EXAMPLE_ROOT

DEV = "environments/dev"
QA = "environments/qa"


@pytest.fixture
def folders(repo):
    """The example dev folder, and a qa folder that holds part of it, some of it changed."""
    shutil.copytree(EXAMPLE_ROOT / "environments", repo.root / "environments", dirs_exist_ok=True)
    shutil.copy2(EXAMPLE_ROOT / "syncsets.yaml", repo.root / "syncsets.yaml")
    for name in (
        "calendars/app-dev-office-hours.yaml",
        "holidays/new-years-day-2027.yaml",
        "agile_boards/expense-reporting.yaml",
    ):
        (repo.root / QA / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo.root / DEV / name, repo.root / QA / name)
    holiday = (repo.root / DEV / "holidays/christmas-day-2026.yaml").read_text(encoding="utf-8")
    repo.write(f"{QA}/holidays/christmas-day-2026.yaml", holiday.replace("Christmas Day", "Xmas"))
    repo.write(
        f"{QA}/teams/application-development.yaml",
        """
        kind: team
        id: application-development
        name: Application Development
        remarks: Maintains the expense reporting application.
        coordinator: frank.watson@wdc.example
        manager: rodney.wilson@wdc.example
        configuration_manager: frank.watson@wdc.example
        work_hours: app-dev-office-hours
        """,
    )
    repo.write(f"{QA}/teams/qa-testers.yaml", "kind: team\nid: qa-testers\nname: QA testers\n")
    return repo


def entries(result):
    assert result.code == 0, result.err
    body = json.loads(result.out)
    return {f"{e['kind']}/{e['id']}": e for e in body["entries"]}


def test_text_lists_counts_per_kind_then_each_record_that_would_change(folders, cli):
    result = cli("compare", "dev", "qa")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Compare dev → qa (folders)"
    for word in ("kind", "Exists - no differences", "Exists - differences", "Doesn't exist"):
        assert word in lines[1]
    assert lines[1].endswith("Only in destination")
    assert lines[2].split() == ["agile_board", "1", "-", "-", "-"]
    assert lines[3].split() == ["calendar", "1", "-", "-", "-"]
    assert lines[4].split() == ["holiday", "1", "1", "-", "-"]
    assert lines[7].split() == ["team", "-", "1", "-", "1"]
    assert lines[9:] == [
        "~ holiday/christmas-day-2026: Exists - differences",
        '    ~ name: "Xmas" → "Christmas Day"',
        "+ product_backlog/expense-reporting: Doesn't exist",
        "+ scrum_workspace/application-development: Doesn't exist",
        "~ team/application-development: Exists - differences",
        '    + agile_board: "expense-reporting"',
        '    - configuration_manager: "frank.watson@wdc.example"',
        '    ~ remarks: "Maintains the expense reporting application." → '
        '"Builds and maintains the expense reporting application."',
        "? team/qa-testers: Only in destination",
        "4 records would change in qa.",
    ]


def test_markdown_has_a_summary_table_and_a_diff_of_the_records(folders, cli):
    result = cli("compare", "dev", "qa", "--format", "markdown")

    assert result.code == 0, result.err
    assert result.out.startswith(
        "### Compare dev → qa (folders)\n\n"
        "| kind | Exists - no differences | Exists - differences | Doesn't exist "
        "| Only in destination |\n"
        "|---|---:|---:|---:|---:|\n"
        "| agile_board | 1 | 0 | 0 | 0 |\n"
        "| calendar | 1 | 0 | 0 | 0 |\n"
    )
    assert "| team | 0 | 1 | 0 | 1 |\n" in result.out
    assert (
        "```diff\n@@ holiday/christmas-day-2026: Exists - differences @@\n"
        '-   name: "Xmas"\n'
        '+   name: "Christmas Day"\n'
    ) in result.out
    assert result.out.rstrip().endswith("</details>")


def test_json_has_each_record_with_status_changes_and_both_paths(folders, cli):
    result = cli("compare", "dev", "qa", "--format", "json")

    found = entries(result)
    assert {ref: e["status"] for ref, e in found.items()} == {
        "agile_board/expense-reporting": "exists_no_differences",
        "calendar/app-dev-office-hours": "exists_no_differences",
        "holiday/christmas-day-2026": "exists_differences",
        "holiday/new-years-day-2027": "exists_no_differences",
        "product_backlog/expense-reporting": "doesnt_exist",
        "scrum_workspace/application-development": "doesnt_exist",
        "team/application-development": "exists_differences",
        "team/qa-testers": "only_in_destination",
    }
    team = found["team/application-development"]
    assert team["source_path"] == f"{DEV}/teams/application-development.yaml"
    assert team["destination_path"] == f"{QA}/teams/application-development.yaml"
    assert [(c["field"], c["before"], c["after"]) for c in team["changes"]] == [
        ("agile_board", None, "expense-reporting"),
        ("configuration_manager", "frank.watson@wdc.example", None),
        (
            "remarks",
            "Maintains the expense reporting application.",
            "Builds and maintains the expense reporting application.",
        ),
    ]
    assert found["team/qa-testers"]["source_path"] is None
    assert json.loads(result.out)["summary"]["team"] == {
        "exists_differences": 1,
        "only_in_destination": 1,
    }


def test_the_source_is_rendered_with_the_destinations_vars(folders, cli):
    """dev's board says "at {{ vars.company }}": in qa's context both sides say qa's name."""
    board = entries(cli("compare", "dev", "qa", "--format", "json"))[
        "agile_board/expense-reporting"
    ]

    assert "{{ vars.company }}" in folders.root.joinpath(
        QA, "agile_boards/expense-reporting.yaml"
    ).read_text(encoding="utf-8")
    assert board["status"] == "exists_no_differences"


def test_a_sync_set_limits_the_comparison_to_its_records(folders, cli):
    found = entries(cli("compare", "dev", "qa", "--sync-set", "calendars", "--format", "json"))

    assert sorted(found) == [
        "calendar/app-dev-office-hours",
        "holiday/christmas-day-2026",
        "holiday/new-years-day-2027",
    ]


def test_sensitive_values_are_compared_but_never_shown(repo, cli, monkeypatch):
    repo.add_environment("qa", extra="promotes_from: dev\n")
    connection = "kind: connection\nid: api\nname: API\ntype: http\n"
    repo.write(f"{DEV}/api.yaml", connection + "secret: '{{ env(\"DEV_TOKEN\") }}'\n")
    repo.write(f"{QA}/api.yaml", connection + "secret: '{{ env(\"QA_TOKEN\") }}'\n")
    monkeypatch.setenv("DEV_TOKEN", "dev-token-value-1")
    monkeypatch.setenv("QA_TOKEN", "qa-token-value-2")

    for fmt in ("text", "markdown", "json"):
        result = cli("compare", "dev", "qa", "--format", fmt)
        assert result.code == 0, result.err
        assert "token-value" not in result.out
    [change] = entries(cli("compare", "dev", "qa", "--format", "json"))["connection/api"]["changes"]
    assert change == {"field": "secret", "before": None, "after": None, "sensitive": True}


def test_comparing_with_an_unknown_environment_is_an_error(folders, cli):
    result = cli("compare", "dev", "staging")

    assert result.code == 1
    assert "unknown environment 'staging'" in result.err


# -- --live ----------------------------------------------------------------------------------


@pytest.fixture
def accounts(folders, cli):
    """dev's account holds the scrum set; qa's holds qa's calendar and holidays and a calendar
    made by hand."""
    folders.write(f"{QA}/teams/application-development.yaml", "")
    folders.write(f"{QA}/teams/qa-testers.yaml", "")
    folders.write(f"{QA}/agile_boards/expense-reporting.yaml", "")
    folders.write("people.yaml", (EXAMPLE_ROOT / "docs/demo/wdc-people.yaml").read_text())
    folders.write("hand.yaml", "kind: calendar\nid: x\nname: QA support hours\n")
    for args in (
        ("sandbox", "load", "dev", "people.yaml"),
        ("apply", "dev", "--auto-approve"),
        ("apply", "qa", "--auto-approve"),
        ("sandbox", "load", "qa", "hand.yaml"),
    ):
        result = cli(*args)
        assert result.code == 0, result.err
    return folders


def test_live_compares_the_two_accounts_by_marker_and_natural_key(accounts, cli):
    found = entries(cli("compare", "dev", "qa", "--live", "--format", "json"))

    assert {ref: e["status"] for ref, e in found.items()} == {
        "agile_board/expense-reporting": "doesnt_exist",
        "calendar/app-dev-office-hours": "exists_differences",
        "calendar/QA support hours": "only_in_destination",
        "holiday/christmas-day-2026": "exists_differences",
        "holiday/new-years-day-2027": "exists_no_differences",
        "product_backlog/expense-reporting": "doesnt_exist",
        "scrum_workspace/application-development": "doesnt_exist",
        "team/application-development": "doesnt_exist",
    }
    calendar = {
        c["field"]: (c["before"], c["after"])
        for c in found["calendar/app-dev-office-hours"]["changes"]
    }
    # references between accounts are shown by natural key, never by live id
    assert calendar["holidays"] == (["New Year's Day", "Xmas"], ["Christmas Day", "New Year's Day"])
    assert "SBX-" not in cli("compare", "dev", "qa", "--live").out


def test_live_with_a_sync_set_lists_only_its_records(accounts, cli):
    found = entries(cli("compare", "dev", "qa", "--live", "--sync-set", "calendars", "-f", "json"))

    assert sorted(found) == [
        "calendar/app-dev-office-hours",
        "holiday/christmas-day-2026",
        "holiday/new-years-day-2027",
    ]
