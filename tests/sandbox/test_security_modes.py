"""File modes: syncset's own state is private whatever the umask; the user's files keep theirs.

Journals, locks, the sandbox file and anything written inside ``.syncset`` are 0600 in folders
of 0700, even under umask 000. Rewriting a file the user owns (mappings.yaml, a record file)
keeps its mode, where an atomic write through mkstemp used to make it 0600; a new user file
gets 0666 minus the umask, as a plain write would.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import pytest
from plan_apply_helpers import account_file, hand_create, hand_update, load_people

from syncset.apply.lock import environment_lock

TEAM = "kind: team\nid: dev\nname: Dev\n"


@pytest.fixture
def umask() -> Iterator[object]:
    """``umask(value)`` sets the process umask for the test; the old one comes back after."""
    old = os.umask(0o022)
    os.umask(old)

    def set_to(value: int) -> None:
        os.umask(value)

    yield set_to
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_journal_sandbox_and_state_folders_are_private_under_umask_000(repo, cli, umask):
    umask(0o000)
    repo.write("environments/dev/team.yaml", TEAM)

    result = cli("apply", "dev", "--auto-approve")

    (journal,) = (repo.root / ".syncset/journal/dev").iterdir()
    assert result.code == 0, result.err
    assert mode(journal) == 0o600
    assert mode(account_file(repo.root)) == 0o600
    for folder in (".syncset", ".syncset/journal", ".syncset/journal/dev"):
        assert mode(repo.root / folder) == 0o700, folder


def test_the_lock_file_is_private_under_umask_000(repo, umask):
    umask(0o000)

    with environment_lock(repo.root, "dev", "apply"):
        held = repo.root / ".syncset/locks/dev.lock"
        assert (mode(held), mode(held.parent)) == (0o600, 0o700)


def test_a_plan_saved_inside_syncset_is_private_and_one_saved_elsewhere_follows_the_umask(
    repo, cli, umask
):
    umask(0o000)
    repo.write("environments/dev/team.yaml", TEAM)

    inside = cli("plan", "dev", "--out", ".syncset/plans/dev.json")
    outside = cli("plan", "dev", "--out", "dev-plan.json")

    assert (inside.code, outside.code) == (0, 0)
    assert mode(repo.root / ".syncset/plans/dev.json") == 0o600
    assert mode(repo.root / ".syncset/plans") == 0o700
    assert mode(repo.root / "dev-plan.json") == 0o666


def test_map_set_keeps_the_mode_of_an_existing_mappings_file(repo, cli, umask):
    umask(0o022)
    load_people(repo.root)
    mappings = repo.write("environments/dev/mappings.yaml", "version: 1\nreferences: {}\n")
    mappings.chmod(0o644)

    result = cli("map", "dev", "--set", "person:x@wdc.example=frank.watson@wdc.example")

    assert result.code == 0, result.err
    assert "x@wdc.example: frank.watson@wdc.example" in mappings.read_text()
    assert mode(mappings) == 0o644


def test_snapshot_keeps_the_mode_of_a_record_file_it_rewrites_and_new_ones_follow_the_umask(
    repo, cli, umask
):
    umask(0o002)
    office = repo.write("environments/dev/team.yaml", TEAM)
    office.chmod(0o640)
    assert cli("apply", "dev", "--auto-approve").code == 0
    hand_update(repo.root, "team", "Dev", {"name": "Renamed in the account"})
    hand_create(repo.root, "team", {"name": "Ops"})

    result = cli("snapshot", "dev")

    created = repo.root / "environments/dev/teams/ops.yaml"
    assert result.code == 0, result.err
    assert "name: Renamed in the account" in office.read_text()
    assert (mode(office), mode(created)) == (0o640, 0o664)
