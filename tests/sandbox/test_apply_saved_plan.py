"""Applying what was reviewed: saved plans, stale records, confirmation, Being Prepared."""

from __future__ import annotations

import io

import pytest
from plan_apply_helpers import (
    copy_seed,
    edit,
    file_bytes,
    hand_create,
    hand_update,
    load_people,
    make_plan,
    pending,
    provider,
    row_of,
    rows,
    seed_people,
)

CALENDAR = "environments/dev/calendars/app-dev-office-hours.yaml"
BACKLOG = "environments/dev/product_backlogs/expense-reporting.yaml"


@pytest.fixture
def applied(repo, cli):
    copy_seed(repo.root)
    load_people(repo.root, seed_people("wdc-people"))
    assert cli("apply", "dev", "--auto-approve").code == 0
    return repo


@pytest.fixture
def saved(applied, cli):
    """A saved plan with two updates: the calendar and the backlog."""
    edit(applied, CALENDAR, "name: Application Development - Office Hours", "name: Office Hours")
    edit(applied, BACKLOG, "still needs.", "needs next.")
    assert cli("plan", "dev", "--out", "plan.json").code == 0
    assert pending(make_plan(applied.root)) == {
        "calendar/app-dev-office-hours": "update",
        "product_backlog/expense-reporting": "update",
    }
    return applied


# -- saved plans ------------------------------------------------------------------------------


def test_a_saved_plan_is_applied_without_asking_again(saved, cli, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal

    result = cli("apply", "plan.json")

    assert "Apply of dev: Completed (2 applied, 0 failed, 0 skipped, 0 stale)." in result.out
    assert pending(make_plan(saved.root)) == {}


def test_a_record_changed_in_the_account_since_planning_is_stale_and_the_rest_applied(saved, cli):
    calendar_name = "Application Development - Office Hours"
    hand_update(saved.root, "calendar", calendar_name, {"holidays": []})

    result = cli("apply", "plan.json")

    assert result.code == 1
    assert (
        "stale  ~ calendar/app-dev-office-hours (update): changed in the account since "
        "planning: plan again"
    ) in result.out
    assert "applied  ~ product_backlog/expense-reporting (update)" in result.out
    assert "Apply of dev: Failed (1 applied, 0 failed, 0 skipped, 1 stale)." in result.out
    calendar = row_of(saved.root, "calendar", calendar_name)["data"]
    assert (calendar["holidays"], calendar["name"]) == ([], calendar_name)
    backlog = row_of(saved.root, "product_backlog", "Expense Reporting")["data"]
    assert backlog["description"] == "Everything the Expense Reporting product needs next."


def test_an_apply_with_a_stale_record_exits_1(saved, cli):
    hand_update(saved.root, "product_backlog", "Expense Reporting", {"description": "By hand"})

    assert cli("apply", "plan.json").code == 1


def test_a_record_deleted_from_the_account_since_planning_is_stale(saved, cli):
    backlog = row_of(saved.root, "product_backlog", "Expense Reporting")
    workspace = row_of(saved.root, "scrum_workspace", "Application Development")
    with provider(saved.root) as account:
        account.remove("scrum_workspace", workspace["live_id"], "delete")
        account.remove("product_backlog", backlog["live_id"], "delete")

    result = cli("apply", "plan.json")

    assert "stale  ~ product_backlog/expense-reporting (update): no longer in the account" in (
        result.out
    )
    assert "applied  ~ calendar/app-dev-office-hours (update)" in result.out


def test_a_create_whose_record_was_made_by_hand_since_planning_is_stale(applied, cli):
    applied.write(
        "environments/dev/product_backlogs/roadmap.yaml",
        "kind: product_backlog\nid: roadmap\nname: Roadmap\n",
    )
    assert cli("plan", "dev", "--out", "plan.json").code == 0
    made = hand_create(applied.root, "product_backlog", {"name": "Roadmap"})

    result = cli("apply", "plan.json")

    assert (
        "stale  + product_backlog/roadmap (create): created in the account since planning"
    ) in result.out
    assert row_of(applied.root, "product_backlog", "Roadmap")["live_id"] == made.live_id
    assert row_of(applied.root, "product_backlog", "Roadmap")["source"] is None


def test_a_removal_whose_record_changed_since_planning_is_stale(applied, cli):
    env_file = applied.root / "environments/dev/environment.yaml"
    env_file.write_text(
        env_file.read_text().replace("only_in_account: keep", "only_in_account: disable")
    )
    team = applied.root / "environments/dev/teams/release-managers.yaml"
    team.write_text("kind: team\nid: release-managers\nname: Release Managers\n")
    assert cli("apply", "dev", "--auto-approve").code == 0
    team.unlink()
    edit(applied, BACKLOG, "still needs.", "needs next.")
    assert cli("plan", "dev", "--out", "plan.json").code == 0
    hand_update(applied.root, "team", "Release Managers", {"name": "Releases"})

    result = cli("apply", "plan.json")

    assert "stale  - team/release-managers (disable): changed in the account" in result.out
    assert "applied  ~ product_backlog/expense-reporting (update)" in result.out
    assert row_of(applied.root, "team", "Releases")["disabled"] == 0


def test_a_saved_plan_is_refused_when_the_environment_folder_changed(saved, cli):
    edit(saved, BACKLOG, "needs next.", "needs later.")
    before = file_bytes(saved.root)

    result = cli("apply", "plan.json")

    assert result.code == 1
    assert result.err == (
        "error: environments/dev changed since this plan was made: plan again and review the "
        "new plan\n"
    )
    assert file_bytes(saved.root) == before


def test_a_saved_plan_applies_only_what_it_holds(saved, cli):
    edit(
        saved,
        "environments/dev/teams/application-development.yaml",
        "application.",
        "application!",
    )
    # A file outside the environment folder does not make the saved plan out of date.
    saved.write("notes.txt", "not part of the environment\n")
    assert cli("plan", "dev", "--out", "plan.json", "--kind", "calendar").code == 0

    result = cli("apply", "plan.json")

    assert "Apply of dev: Completed (1 applied, 0 failed, 0 skipped, 0 stale)." in result.out
    assert pending(make_plan(saved.root)) == {
        "product_backlog/expense-reporting": "update",
        "team/application-development": "update",
    }


# -- gates ------------------------------------------------------------------------------------


def test_without_a_terminal_and_without_auto_approve_apply_refuses(applied, cli, monkeypatch):
    edit(applied, BACKLOG, "still needs.", "needs next.")
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    before = rows(applied.root)

    result = cli("apply", "dev")

    assert result.code == 1
    assert "apply needs confirmation: run it in a terminal, or pass --auto-approve" in result.err
    assert rows(applied.root) == before


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answer", ["no", "y", "YES please", ""])
def test_on_a_terminal_only_yes_goes_on(applied, cli, monkeypatch, answer):
    edit(applied, BACKLOG, "still needs.", "needs next.")
    monkeypatch.setattr("sys.stdin", Terminal(answer + "\n"))
    before = rows(applied.root)

    result = cli("apply", "dev")

    assert result.code == 1
    assert "not confirmed: nothing was changed" in result.err
    assert rows(applied.root) == before


def test_on_a_terminal_yes_applies(applied, cli, monkeypatch):
    edit(applied, BACKLOG, "still needs.", "needs next.")
    monkeypatch.setattr("sys.stdin", Terminal("yes\n"))

    result = cli("apply", "dev")

    assert "Apply of dev: Completed (1 applied" in result.out
    assert pending(make_plan(applied.root)) == {}


def test_a_being_prepared_plan_is_refused_with_the_unmapped_values(applied, cli):
    edit(
        applied, BACKLOG, "Expense Reporting\n", "Expense Reporting\nproduct_owner: x@wdc.example\n"
    )
    edit(applied, BACKLOG, "product_owner: rodney.wilson@wdc.example\n", "")
    assert cli("plan", "dev", "--out", "plan.json").code == 0
    before = rows(applied.root)

    for target in ("dev", "plan.json"):
        result = cli("apply", target, "--auto-approve")

        assert result.code == 1
        assert result.err.startswith("error: the plan for dev is Being Prepared: map these ")
        assert "person x@wdc.example (used by product_backlog/expense-reporting.product_owner)" in (
            result.err
        )
    assert rows(applied.root) == before


def test_an_apply_with_nothing_to_do_says_so_and_writes_no_journal(applied, cli):
    journals = sorted((applied.root / ".syncset/journal/dev").glob("*.jsonl"))

    result = cli("apply", "dev", "--auto-approve")

    assert result.code == 0
    assert "No changes: the account already matches." in result.out
    assert sorted((applied.root / ".syncset/journal/dev").glob("*.jsonl")) == journals
