"""The shipped example environments: they validate, and dev holds the seed scenario.

The scenario is the one of "Introducing 4me Account Sync": a scrum workspace of the Application
Development team with its Expense Reporting product backlog and agile board, the team's
work-hours calendar and its holidays; Frank Watson coordinates the team, Rodney Wilson manages
it and owns the backlog and the board.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from example_root import EXAMPLE_ROOT

from syncset.config.load import environment_names
from syncset.config.validate import validate_environment
from syncset.model import Environment

if TYPE_CHECKING:
    from conftest import CliRunner

FRANK = "frank.watson@wdc.example"
RODNEY = "rodney.wilson@wdc.example"


@pytest.fixture(scope="module")
def dev() -> Environment:
    """The example dev environment, validated once for this module."""
    return validate_environment(EXAMPLE_ROOT, "dev", {})


def test_the_three_environments_exist(example: Path) -> None:
    assert environment_names(example) == ["dev", "prod", "qa"]


@pytest.mark.parametrize("name", ["dev", "qa", "prod"])
def test_example_environment_validates(example: Path, name: str) -> None:
    env = validate_environment(example, name, {})

    assert env.name == name
    assert env.account["provider"] == "sandbox"
    assert env.account["path"] == f".syncset/{name}.sqlite"


def test_promotion_chain_is_dev_to_qa_to_prod(example: Path) -> None:
    chain = {
        name: validate_environment(example, name, {}).config.promotes_from
        for name in ("dev", "qa", "prod")
    }

    assert chain == {"dev": None, "qa": "dev", "prod": "qa"}


def test_sandbox_accounts_are_git_ignored(example: Path) -> None:
    ignored = (example / ".gitignore").read_text().split()

    assert ".syncset/" in ignored


def test_qa_and_prod_have_a_mappings_skeleton(example: Path) -> None:
    for name in ("qa", "prod"):
        text = (example / "environments" / name / "mappings.yaml").read_text()
        assert validate_environment(example, name, {}).mappings.version == 1
        assert RODNEY in text  # the example shows how to map Rodney Wilson


def test_scrum_workspace_ties_team_backlog_and_board(dev: Environment) -> None:
    (workspace,) = dev.of_kind("scrum_workspace")

    assert workspace.fields["name"] == "Application Development"
    assert workspace.fields["team"] == "application-development"
    assert workspace.fields["product_backlog"] == "expense-reporting"
    assert workspace.fields["agile_board"] == "expense-reporting"
    assert workspace.fields["sprint_length"] >= 1


def test_team_has_its_coordinator_manager_and_work_hours(dev: Environment) -> None:
    team = dev.records[("team", "application-development")]

    assert team.fields["name"] == "Application Development"
    assert team.fields["coordinator"] == FRANK
    assert team.fields["manager"] == RODNEY
    assert ("calendar", team.fields["work_hours"]) in dev.records


def test_rodney_owns_the_expense_reporting_backlog_and_board(dev: Environment) -> None:
    backlog = dev.records[("product_backlog", "expense-reporting")]
    board = dev.records[("agile_board", "expense-reporting")]

    assert backlog.fields["name"] == board.fields["name"] == "Expense Reporting"
    assert backlog.fields["product_owner"] == RODNEY
    assert board.fields["manager"] == RODNEY


def test_board_has_ordered_columns(dev: Environment) -> None:
    columns = dev.records[("agile_board", "expense-reporting")].fields["columns"]

    assert len(columns) >= 3
    assert [c["position"] for c in columns] == list(range(1, len(columns) + 1))
    assert columns[-1]["action_type"] == "complete"


def test_work_hours_calendar_has_hours_and_holidays(dev: Environment) -> None:
    team = dev.records[("team", "application-development")]
    calendar = dev.records[("calendar", team.fields["work_hours"])]

    assert calendar.fields["hours"], "the calendar declares its work hours"
    assert calendar.fields["holidays"], "the calendar lists its holidays"
    for holiday in calendar.fields["holidays"]:
        assert ("holiday", holiday) in dev.records
    board = dev.records[("agile_board", team.fields["agile_board"])]
    assert "Widget Data Center" in board.fields["description"]  # rendered from vars


def test_holidays_are_whole_days(dev: Environment) -> None:
    christmas = dev.records[("holiday", "christmas-day-2026")]

    assert christmas.fields["start_at"] == "2026-12-25T00:00:00Z"
    assert christmas.fields["end_at"] == "2026-12-26T00:00:00Z"


def test_people_are_referenced_not_declared(dev: Environment) -> None:
    assert {kind for kind, _ in dev.records}.isdisjoint({"person", "organization", "site"})


def test_no_example_record_holds_a_secret(dev: Environment) -> None:
    assert all(not record.secrets for record in dev.records.values())


def test_validate_command_passes_on_the_examples(
    example: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCSET_ROOT", str(example))

    result = cli("validate")

    assert result.code == 0, result.err
    assert "scrum_workspace" in result.out
    assert "total" in result.out
