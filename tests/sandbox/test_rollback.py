"""``syncset rollback JOURNAL`` restores what one apply changed, exactly, from its journal."""

from __future__ import annotations

import io
import signal

import pytest
from plan_apply_helpers import (
    comparable_state,
    copy_seed,
    edit,
    hand_create,
    hand_update,
    load_people,
    managed_rows,
    row_of,
    rows,
    run_syncset,
    seed_people,
)

OLD_TEAM = """
kind: team
id: old-team
name: Old Team
remarks: Will leave the YAML and be disabled by policy.
"""


def journals(root, env="dev"):
    return sorted((root / ".syncset/journal" / env).glob("*.jsonl"))


@pytest.fixture
def seed(repo):
    copy_seed(repo.root)
    load_people(repo.root, seed_people("wdc-people"))
    return repo


@pytest.fixture
def changed(seed, cli):
    """After a first apply: a change set with creates, updates, an adoption and a disable."""
    seed.write("environments/dev/teams/old-team.yaml", OLD_TEAM)
    assert cli("apply", "dev", "--auto-approve").code == 0
    hand_create(seed.root, "product_backlog", {"name": "Roadmap", "description": "By hand"})
    edit(
        seed,
        "environments/dev/environment.yaml",
        "only_in_account: keep",
        "only_in_account: disable",
    )
    (seed.root / "environments/dev/teams/old-team.yaml").unlink()
    seed.write(
        "environments/dev/product_backlogs/roadmap.yaml",
        """
        kind: product_backlog
        id: roadmap
        name: Roadmap
        description: What comes after expenses.
        product_owner: frank.watson@wdc.example
        """,
    )
    seed.write(
        "environments/dev/holidays/easter-mon-2027.yaml",
        """
        kind: holiday
        id: easter-mon-2027
        name: Easter Monday
        start_at: 2027-03-29
        end_at: 2027-03-29
        """,
    )
    calendar = "environments/dev/calendars/app-dev-office-hours.yaml"
    edit(
        seed,
        calendar,
        "  - new-years-day-2027\n",
        "  - new-years-day-2027\n  - easter-mon-2027\n",
    )
    edit(
        seed,
        calendar,
        'fri, time_from: "08:00", time_until: "16:00"',
        'fri, time_from: "09:00", time_until: "15:00"',
    )
    edit(
        seed,
        "environments/dev/teams/application-development.yaml",
        "Builds and",
        "Designs, builds and",
    )
    edit(
        seed, "environments/dev/agile_boards/expense-reporting.yaml", "wip_limit: 5", "wip_limit: 3"
    )
    return seed


@pytest.mark.parametrize(
    "adopted",
    [
        pytest.param(False, id="creates-updates-disable"),
        pytest.param(True, id="with-an-adoption"),
    ],
)
def test_rollback_restores_the_before_state_exactly(changed, cli, adopted):
    if not adopted:
        (changed.root / "environments/dev/product_backlogs/roadmap.yaml").unlink()
    before = comparable_state(changed.root)
    result = cli("apply", "dev", "--auto-approve")
    assert f"Apply of dev: Completed ({5 + adopted} applied, 0 failed" in result.out
    assert comparable_state(changed.root) != before

    undo = cli("rollback", str(journals(changed.root)[-1]), "--auto-approve")

    assert undo.code == 0, undo.err
    assert "Rollback: Completed." in undo.out
    assert "      kept holiday/easter-mon-2027" in undo.out, (
        "a holiday cannot be disabled or deleted: it stays, and the step says so"
    )
    after = comparable_state(changed.root)
    created = set(after) - set(before)
    assert {after[live_id]["source_id"] for live_id in created} == {"easter-mon-2027"}
    assert {live_id: after[live_id] for live_id in before} == before


def test_rollback_shows_its_steps_before_asking(changed, cli, monkeypatch):
    assert cli("apply", "dev", "--auto-approve").code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # not a terminal
    before = rows(changed.root)

    result = cli("rollback", str(journals(changed.root)[-1]))

    assert result.code == 1
    assert "apply needs confirmation" in result.err
    steps = result.out.splitlines()
    assert steps[0].startswith("Rollback of ") and steps[0].endswith(" on dev:")
    assert "    enable team/old-team" in steps
    assert (
        "      keep holiday/easter-mon-2027 (created by the apply; cannot be undone: holidays "
        "cannot be disabled or deleted in Xurrent: remove it by hand (calendars that drop it "
        "from their holidays detach it on apply))"
    ) in steps
    assert "   restore product_backlog/roadmap: description, product_owner" in steps
    assert "   restore calendar/app-dev-office-hours: holidays, hours" in steps
    assert rows(changed.root) == before


def test_rollback_writes_its_own_journal(changed, cli):
    assert cli("apply", "dev", "--auto-approve").code == 0
    applied = journals(changed.root)[-1]

    assert cli("rollback", str(applied), "--auto-approve").code == 0

    (rollback,) = set(journals(changed.root)) - {applied, *journals(changed.root)[:-2]}
    text = rollback.read_text()
    assert '"command": "rollback"' in text.splitlines()[0]
    assert f'"of": "{applied.name}"' in text.splitlines()[0]


def _killed_apply(root):
    """An apply of dev killed (SIGKILL) after its third write, one write at a time."""
    result = run_syncset(
        root, "apply", "dev", "--auto-approve", "--parallelism", "1", faults="kill_after=3"
    )
    assert result.returncode == -signal.SIGKILL


@pytest.mark.system  # it starts a process: the system layer
def test_a_rollback_of_a_killed_apply_disables_what_landed(seed, cli):
    _killed_apply(seed.root)
    assert len(managed_rows(seed.root)) == 3

    undo = cli("rollback", str(journals(seed.root)[-1]), "--auto-approve")

    assert "Rollback: Completed." in undo.out
    landed = {row["kind"]: row["disabled"] for row in managed_rows(seed.root)}
    assert all(landed[kind] == 1 for kind in landed if kind != "holiday"), landed
    assert all(row["disabled"] == 0 for row in managed_rows(seed.root) if row["kind"] == "holiday")


def test_a_deleted_record_is_created_again_from_its_before_image(repo, cli):
    repo.add_environment("dev", extra="policies:\n  only_in_account: delete\n")
    repo.write(
        "environments/dev/flows.yaml",
        """
        kind: solution
        id: crm
        name: CRM
        ---
        kind: flow
        id: accounts
        name: Accounts
        description: Copies accounts.
        solution: crm
        """,
    )
    assert cli("apply", "dev", "--auto-approve").code == 0
    before = row_of(repo.root, "flow", "Accounts")
    repo.write("environments/dev/flows.yaml", "kind: solution\nid: crm\nname: CRM\n")
    assert "- flow/accounts  delete" in cli("plan", "dev").out
    assert cli("apply", "dev", "--auto-approve").code == 0
    assert [r for r in rows(repo.root) if r["kind"] == "flow"] == []

    cli("rollback", str(journals(repo.root)[-1]), "--auto-approve")

    after = row_of(repo.root, "flow", "Accounts")
    assert (after["source"], after["source_id"], after["disabled"]) == ("syncset", "accounts", 0)
    assert after["data"] == before["data"]


def test_rollback_of_two_adoptions_of_one_kind_restores_both(seed, cli):
    for name in ("Roadmap", "Backlog of ideas"):
        hand_create(seed.root, "product_backlog", {"name": name})
        seed.write(
            f"environments/dev/product_backlogs/{name.lower().replace(' ', '-')}.yaml",
            f"kind: product_backlog\nid: {name.lower().replace(' ', '-')}\nname: {name}\n",
        )
    before = comparable_state(seed.root)
    assert cli("apply", "dev", "--auto-approve").code == 0

    undo = cli("rollback", str(journals(seed.root)[-1]), "--auto-approve")

    assert "Rollback: Completed." in undo.out
    after = comparable_state(seed.root)
    assert {live_id: after[live_id] for live_id in before} == before


def test_a_hand_edit_since_the_apply_is_refused_then_forced(seed, cli):
    assert cli("apply", "dev", "--auto-approve").code == 0
    applied = journals(seed.root)[-1]
    team = next(row for row in managed_rows(seed.root) if row["kind"] == "team")
    hand_update(seed.root, team["kind"], team["data"]["name"], {"remarks": "Edited by hand"})

    refused = cli("rollback", str(applied), "--auto-approve")

    assert refused.code == 1
    ref = f"{team['kind']}/{team['source_id']}"
    assert f"   refused {ref}: changed since the apply: remarks: use --force" in refused.out
    assert row_of(seed.root, team["kind"], team["data"]["name"])["disabled"] == 0
    assert "Rollback: Incomplete." in refused.out

    forced = cli("rollback", str(applied), "--auto-approve", "--force")

    assert forced.code == 0, forced.out
    assert row_of(seed.root, team["kind"], team["data"]["name"])["disabled"] == 1


def test_a_second_rollback_of_one_journal_undoes_nothing(changed, cli):
    assert cli("apply", "dev", "--auto-approve").code == 0
    applied = journals(changed.root)[-1]
    assert cli("rollback", str(applied), "--auto-approve").code == 0
    undone = comparable_state(changed.root)
    rollback = journals(changed.root)[-1].name

    again = cli("rollback", str(applied), "--auto-approve")

    assert again.code == 0
    assert "Nothing to roll back: already rolled back on " in again.out
    assert f" by {rollback}." in again.out
    assert comparable_state(changed.root) == undone
    assert journals(changed.root)[-1].name == rollback, "a no-op writes no journal"


@pytest.mark.system  # it starts a process: the system layer
def test_a_rollback_of_a_killed_apply_leaves_the_re_runs_records_alone(seed, cli):
    _killed_apply(seed.root)
    killed = journals(seed.root)[-1]
    landed = {row["live_id"] for row in managed_rows(seed.root)}
    assert cli("apply", "dev", "--auto-approve").code == 0
    rerun = journals(seed.root)[-1]
    by_rerun = {r["live_id"]: r for r in managed_rows(seed.root) if r["live_id"] not in landed}
    assert len(by_rerun) > 1

    undo = cli("rollback", str(killed), "--auto-approve")

    now = {row["live_id"]: row for row in managed_rows(seed.root)}
    assert {live_id: now[live_id] for live_id in by_rerun} == by_rerun
    assert f"written by a later run, {rerun.name}" in undo.out
    assert undo.code == 1
