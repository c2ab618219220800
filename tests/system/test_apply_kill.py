"""An apply killed (SIGKILL) after N writes, then run again, converges: nothing lost or doubled.

The real console script runs in a subprocess through tests/faults.py with ``kill_after=N``: the
sandbox kills the process just before its write N+1. The seed scenario takes 8 writes: 7 creates
in 4 waves, then the board's columns (deferred to break the team ↔ board cycle).
"""

from __future__ import annotations

import signal

import pytest
from plan_apply_helpers import (
    copy_seed,
    counts_by_kind,
    duplicates,
    load_people,
    make_plan,
    managed_rows,
    pending,
    row_of,
    run_syncset,
    seed_people,
)

from syncset.apply.journal import read_journal
from syncset.apply.lock import lock_path

SEED_KINDS = {
    "agile_board": 1,
    "calendar": 1,
    "holiday": 2,
    "organization": 1,
    "person": 3,
    "product_backlog": 1,
    "scrum_workspace": 1,
    "team": 1,
}


@pytest.fixture
def seed(repo):
    copy_seed(repo.root)
    load_people(repo.root, seed_people("wdc-people"))
    return repo


def killed_apply(root, after: int, *args: str):
    result = run_syncset(
        root,
        "apply",
        "dev",
        "--auto-approve",
        *args,
        faults=f"kill_after={after}",
    )
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stdout, result.stderr)
    return result


def journal_of(root):
    (path,) = sorted((root / ".syncset/journal/dev").glob("*.jsonl"))
    return read_journal(path)


@pytest.mark.parametrize(
    ("after", "parallelism"),
    [
        pytest.param(0, "1", id="before-the-first-write"),
        pytest.param(3, "4", id="inside-wave-0"),
        pytest.param(5, "2", id="inside-wave-2"),
        pytest.param(7, "4", id="in-the-deferred-pass"),
    ],
)
def test_a_killed_first_apply_converges_when_run_again(seed, cli, after, parallelism):
    killed_apply(seed.root, after, "--parallelism", parallelism)

    assert len(managed_rows(seed.root)) == after
    start, entries = journal_of(seed.root)
    assert start["command"] == "apply"
    assert sum(e.outcome == "applied" for e in entries) <= after
    assert any(e.outcome == "unknown" for e in entries)
    assert lock_path(seed.root, "dev").exists()

    again = cli("apply", "dev", "--auto-approve")

    assert again.code == 0, again.err
    assert "Apply of dev: Completed" in again.out
    assert "warning: taking over the lock of dev" in again.err
    assert "is gone" in again.err
    assert duplicates(seed.root) == {}
    assert counts_by_kind(seed.root) == SEED_KINDS
    assert pending(make_plan(seed.root)) == {}
    assert not lock_path(seed.root, "dev").exists()


def test_a_kill_in_the_deferred_pass_leaves_a_board_without_columns_that_the_next_run_sets(
    seed, cli
):
    killed_apply(seed.root, 7)
    assert "columns" not in row_of(seed.root, "agile_board", "Expense Reporting")["data"]
    plan = make_plan(seed.root)
    assert pending(plan) == {"agile_board/expense-reporting": "update"}

    assert cli("apply", "dev", "--auto-approve").code == 0

    columns = row_of(seed.root, "agile_board", "Expense Reporting")["data"]["columns"]
    team = row_of(seed.root, "team", "Application Development")
    assert [c["name"] for c in columns] == ["To Do", "In Progress", "Review", "Done"]
    assert columns[1]["team"] == team["live_id"]
    assert pending(make_plan(seed.root)) == {}


@pytest.mark.parametrize("after", [1, 3])
def test_a_killed_apply_of_updates_and_removals_converges_when_run_again(seed, cli, after):
    folder = seed.root / "environments/dev"
    (folder / "teams/release-managers.yaml").write_text(
        "kind: team\nid: release-managers\nname: Release Managers\n"
    )
    assert cli("apply", "dev", "--auto-approve").code == 0
    (folder / "teams/release-managers.yaml").unlink()
    env_file = folder / "environment.yaml"
    env_file.write_text(
        env_file.read_text().replace("only_in_account: keep", "only_in_account: disable")
    )
    for relative, old, new in [
        ("teams/application-development.yaml", "Builds and maintains", "Maintains"),
        ("product_backlogs/expense-reporting.yaml", "still needs", "needs next"),
        ("agile_boards/expense-reporting.yaml", "wip_limit: 5", "wip_limit: 9"),
        ("calendars/app-dev-office-hours.yaml", "  - new-years-day-2027\n", ""),
    ]:
        path = folder / relative
        path.write_text(path.read_text().replace(old, new))
    (folder / "holidays/new-years-day-2027.yaml").unlink()
    assert len(pending(make_plan(seed.root))) == 5

    killed_apply(seed.root, after)
    again = cli("apply", "dev", "--auto-approve")

    assert again.code == 0, again.err
    assert "Apply of dev: Completed" in again.out
    assert duplicates(seed.root) == {}
    assert counts_by_kind(seed.root) == {**SEED_KINDS, "team": 2}
    assert row_of(seed.root, "team", "Release Managers")["disabled"] == 1
    assert row_of(seed.root, "holiday", "New Year's Day")["disabled"] == 0, "holidays stay"
    assert pending(make_plan(seed.root)) == {}
