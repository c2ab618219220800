"""A write the account refuses: placed on the YAML field, dependants skipped, the rest applied."""

from __future__ import annotations

import faults
import pytest
from plan_apply_helpers import (
    copy_seed,
    counts_by_kind,
    duplicates,
    edit,
    hand_create,
    hand_update,
    load_people,
    make_plan,
    pending,
    row_of,
    seed_people,
)

from syncset.apply.journal import read_journal

TEAM_FILE = "environments/dev/teams/application-development.yaml"


@pytest.fixture
def seed(repo):
    copy_seed(repo.root)
    load_people(repo.root, seed_people("wdc-people"))
    return repo


@pytest.fixture
def applied(seed, cli):
    assert cli("apply", "dev", "--auto-approve").code == 0
    return seed


@pytest.fixture
def name_taken(applied):
    """The team is renamed to a name a person gave to another team by hand; the team's
    workspace changes too (a dependant), and so does the calendar (independent)."""
    hand_create(applied.root, "team", {"name": "Service Desk"})
    edit(applied, TEAM_FILE, "name: Application Development", "name: Service Desk")
    edit(
        applied,
        "environments/dev/scrum_workspaces/application-development.yaml",
        "sprint_length: 2",
        "sprint_length: 3",
    )
    edit(
        applied,
        "environments/dev/calendars/app-dev-office-hours.yaml",
        'fri, time_from: "08:00", time_until: "16:00"',
        'fri, time_from: "08:00", time_until: "15:00"',
    )
    return applied


def test_a_refused_write_is_reported_at_its_yaml_field_and_dependants_are_skipped(name_taken, cli):
    result = cli("apply", "dev", "--auto-approve")

    assert result.code == 1
    assert (
        "failed  ~ team/application-development (update): "
        f"{TEAM_FILE}:3:7: team/application-development: name: Name has already been taken"
    ) in result.out
    assert (
        "skipped  ~ scrum_workspace/application-development (update): skipped: it needs "
        "team/application-development, which failed"
    ) in result.out
    assert "applied  ~ calendar/app-dev-office-hours (update)" in result.out
    assert "Apply of dev: Failed (1 applied, 1 failed, 1 skipped, 0 stale)." in result.out
    calendar = row_of(name_taken.root, "calendar", "Application Development - Office Hours")
    assert [h["time_until"] for h in calendar["data"]["hours"] if h["weekday"] == "fri"] == [
        "15:00"
    ]
    assert (
        row_of(name_taken.root, "scrum_workspace", "Application Development")["data"][
            "sprint_length"
        ]
        == 2
    )


def test_an_apply_with_a_failed_record_exits_1(name_taken, cli):
    assert cli("apply", "dev", "--auto-approve").code == 1


def test_the_journal_records_the_failure_with_its_message(name_taken, cli):
    cli("apply", "dev", "--auto-approve")

    (path,) = sorted((name_taken.root / ".syncset/journal/dev").glob("*.jsonl"))[-1:]
    start, entries = read_journal(path)
    assert start["command"] == "apply"
    outcomes = {entry.ref: entry.outcome for entry in entries}
    assert outcomes == {
        "calendar/app-dev-office-hours": "applied",
        "team/application-development": "failed",
    }
    assert '"end"' in path.read_text().splitlines()[-1]
    assert '"status": "Failed"' in path.read_text().splitlines()[-1]


def test_apply_converges_once_the_conflict_is_resolved(name_taken, cli):
    cli("apply", "dev", "--auto-approve")
    hand_update(name_taken.root, "team", "Service Desk", {"name": "Service Desk (old)"})

    again = cli("apply", "dev", "--auto-approve")

    assert "Apply of dev: Completed (2 applied, 0 failed, 0 skipped, 0 stale)." in again.out
    assert duplicates(name_taken.root) == {}
    assert pending(make_plan(name_taken.root)) == {}


def test_an_injected_provider_fault_fails_the_record_and_skips_what_needs_it(
    seed, cli, monkeypatch
):
    faults.inject(monkeypatch, fail_after=2)

    result = cli("apply", "dev", "--auto-approve", "--parallelism", "1")

    assert result.code == 1
    # Wave 0 in order: the board and Christmas land, then every write fails.
    assert "applied  + agile_board/expense-reporting (create)" in result.out
    assert "applied  + holiday/christmas-day-2026 (create)" in result.out
    assert (
        "failed  + holiday/new-years-day-2027 (create): "
        "environments/dev/holidays/new-years-day-2027.yaml:1:1: holiday/new-years-day-2027: "
        f"{faults.MESSAGE}"
    ) in result.out
    assert "failed  + product_backlog/expense-reporting (create)" in result.out
    assert (
        "skipped  + calendar/app-dev-office-hours (create): skipped: it needs "
        "holiday/new-years-day-2027, which failed"
    ) in result.out
    assert "skipped  + team/application-development (create)" in result.out
    assert "skipped  + scrum_workspace/application-development (create)" in result.out
    # The board was created, but its deferred columns need the team: it ends as skipped.
    assert (
        "skipped  + agile_board/expense-reporting (create): created, but it needs "
        "team/application-development"
    ) in result.out
    # The summary counts the journal's writes: the board's create is one of them.
    assert "Apply of dev: Failed (2 applied, 2 failed, 4 skipped, 0 stale)." in result.out
    assert counts_by_kind(seed.root)["agile_board"] == 1
    assert "calendar" not in counts_by_kind(seed.root)


def test_apply_converges_after_an_injected_fault(seed, cli, monkeypatch):
    injected = faults.inject(monkeypatch, fail_after=2)
    cli("apply", "dev", "--auto-approve", "--parallelism", "1")
    injected.fail_after = None

    again = cli("apply", "dev", "--auto-approve")

    assert "Apply of dev: Completed" in again.out
    assert duplicates(seed.root) == {}
    assert pending(make_plan(seed.root)) == {}
