"""Result lines and summaries true to the journal; selectors that match nothing are errors."""

from __future__ import annotations

import pytest
from plan_apply_helpers import copy_seed, edit, hand_create, load_people, seed_people

from syncset.apply.journal import read_journal

TEAM_FILE = "environments/dev/teams/application-development.yaml"
BOARD_FILE = "environments/dev/agile_boards/expense-reporting.yaml"


@pytest.fixture
def applied(repo, cli):
    copy_seed(repo.root)
    load_people(repo.root, seed_people("wdc-people"))
    assert cli("apply", "dev", "--auto-approve").code == 0
    return repo


def last_journal(root):
    return sorted((root / ".syncset" / "journal" / "dev").glob("*.jsonl"))[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--id", "team/nosuch"), "--id team/nosuch: matches nothing"),
        (("--id", "team/application-developmnt"), "closest: team/application-development"),
        (("--kind", "flow"), "--kind flow: matches nothing"),
    ],
)
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_selector_that_matches_nothing_is_an_error_naming_the_candidates(
    applied, cli, command, args, message
):
    extra = ("--auto-approve",) if command == "apply" else ()

    result = cli(command, "dev", *args, *extra)

    assert result.code == 1
    assert message in result.err
    assert "Traceback" not in result.err
    assert "account matches" not in result.out


def test_a_board_whose_only_change_waits_for_a_failed_team_claims_no_write(applied, cli):
    hand_create(applied.root, "team", {"name": "Service Desk"})
    edit(applied, TEAM_FILE, "name: Application Development", "name: Service Desk")
    edit(
        applied,
        BOARD_FILE,
        "    wip_limit: 5",
        "    wip_limit: 5\n    team: application-development",
    )

    result = cli("apply", "dev", "--auto-approve")

    assert result.code == 1
    written = {e.ref: e.outcome for e in read_journal(last_journal(applied.root))[1]}
    assert "agile_board/expense-reporting" not in written
    assert written["team/application-development"] == "failed"
    board_lines = [
        line.strip()
        for line in result.out.splitlines()
        if "agile_board/" in line and line.split()[0] in ("applied", "skipped", "failed")
    ]
    assert board_lines == [
        "skipped  ~ agile_board/expense-reporting (update): it needs "
        "team/application-development, which failed"
    ]
    applied_writes = sum(1 for outcome in written.values() if outcome == "applied")
    assert f"Failed ({applied_writes} applied, 1 failed, 1 skipped, 0 stale)." in result.out
