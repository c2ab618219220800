"""Every file syncset reads back is checked; a damaged one is a clear error, never a traceback.

Journals, locks, saved plans and the sandbox's rows are syncset's own files, but a person, a
tool or a crash can change them. The ``cli`` fixture lets any exception other than SyncsetError
escape, so each test below would fail on a traceback. Reads never write: a plan leaves an empty
or foreign sandbox file exactly as it was.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import time

import pytest
from plan_apply_helpers import account_file, hand_create, row_of

TEAM = "kind: team\nid: dev\nname: Dev\nremarks: {}\n"


@pytest.fixture
def two_applies(repo, cli):
    """A create, then an update of the same team: the second journal has a before-image."""
    repo.write("environments/dev/team.yaml", TEAM.format("Builds things."))
    assert cli("apply", "dev", "--auto-approve").code == 0
    repo.write("environments/dev/team.yaml", TEAM.format("Runs things."))
    assert cli("apply", "dev", "--auto-approve").code == 0
    return repo


def last_journal(root):
    return sorted((root / ".syncset/journal/dev").glob("*.jsonl"))[-1]


def edit_journal(path, event, **changes):
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for line in lines:
        if line["event"] == event:
            line.update(changes)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


# -- journals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "what"),
    [
        ({"seq": [1]}, "intent seq: Input should be a valid integer"),
        ({"seq": "1"}, "intent seq: Input should be a valid integer"),
        ({"before": "oops"}, "intent before: Input should be a valid dictionary"),
        ({"kind": 5}, "intent kind: Input should be a valid string"),
        ({"kind": "wizard"}, "kind 'wizard' is not the kind of 'team/dev'"),
        ({"action": ["update"]}, "intent action: Input should be 'create', 'update'"),
        ({"ref": "../../x"}, "intent ref: String should match pattern"),
    ],
    ids=["seq-list", "seq-string", "before", "kind-number", "kind-unknown", "action", "ref"],
)
def test_rollback_of_a_journal_with_wrong_typed_fields_is_a_clear_error(
    two_applies, cli, changes, what
):
    journal = last_journal(two_applies.root)
    edit_journal(journal, "intent", **changes)
    before = row_of(two_applies.root, "team", "Dev")

    result = cli("rollback", str(journal), "--auto-approve")

    assert result.code == 1
    assert result.err.startswith(f"error: {journal}:2: corrupt journal line (")
    assert what in result.err
    assert "restore from the plan instead (syncset plan)" in result.err
    assert row_of(two_applies.root, "team", "Dev") == before


def test_rollback_refuses_a_journal_that_names_another_environment(two_applies, cli):
    two_applies.add_environment("qa")
    journal = last_journal(two_applies.root)
    edit_journal(journal, "start", environment="qa")

    result = cli("rollback", str(journal), "--auto-approve")

    assert result.code == 1
    assert result.err.startswith(f"error: {journal}: says environment 'qa' but belongs to dev")
    assert not account_file(two_applies.root, "qa").exists()
    assert not (two_applies.root / ".syncset/journal/qa").exists()


def test_a_journal_moved_out_of_its_folder_needs_its_environment_named(two_applies, cli, tmp_path):
    moved = tmp_path / "saved.jsonl"
    shutil.copy(last_journal(two_applies.root), moved)

    unnamed = cli("rollback", str(moved), "--auto-approve")
    wrong = cli("rollback", str(moved), "--env", "qa", "--auto-approve")
    named = cli("rollback", str(moved), "--env", "dev", "--auto-approve")

    assert unnamed.code == 1
    assert "pass --env ENVIRONMENT" in unnamed.err
    assert wrong.code == 1
    assert "says environment 'dev' but belongs to qa" in wrong.err
    assert named.code == 0, named.err
    assert row_of(two_applies.root, "team", "Dev")["data"]["remarks"] == "Builds things."


# -- sandbox rows and files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "what"),
    [
        ("[1, 2]", "data is not a JSON object"),
        ("{not json", "Expecting property name"),
        ('{"name": "Dev", "members": "everyone"}', "members: Input should be a valid list"),
        ('{"name": ["Dev"]}', "name: Input should be a valid string"),
        ('{"name": "Dev", "members": ["SBX-1", 2]}', "members: Input should be a valid string"),
    ],
    ids=["list", "not-json", "wrong-list", "wrong-scalar", "wrong-item"],
)
def test_a_sandbox_row_whose_data_is_damaged_is_a_clear_error(repo, cli, data, what):
    repo.write("environments/dev/team.yaml", TEAM.format("x") + "members: []\n")
    live = hand_create(repo.root, "team", {"name": "Dev"})
    with sqlite3.connect(account_file(repo.root)) as db:
        db.execute("UPDATE records SET data = ?", (data,))

    result = cli("plan", "dev")

    assert result.code == 1
    assert result.err.startswith(
        f"error: sandbox account .syncset/dev.sqlite: record {live.live_id} is damaged ({what}"
    )
    assert "repair the row with sqlite3, or move it away" in result.err


def test_a_sandbox_row_with_a_wrong_typed_column_is_a_clear_error(repo, cli):
    live = hand_create(repo.root, "team", {"name": "Dev"})
    with sqlite3.connect(account_file(repo.root)) as db:
        db.execute("UPDATE records SET disabled = 'yes'")

    result = cli("plan", "dev")

    assert result.code == 1
    assert f"record {live.live_id} is damaged (disabled: Input should be 0 or 1)" in result.err


def test_a_read_only_plan_leaves_an_empty_sandbox_file_empty(repo, cli):
    repo.write("environments/dev/team.yaml", TEAM.format("x"))
    path = account_file(repo.root)
    path.parent.mkdir()
    path.write_bytes(b"")

    result = cli("plan", "dev")

    assert result.code == 0, result.err
    assert "1 to create" in result.out
    assert path.read_bytes() == b""


def test_a_plan_refuses_a_sqlite_file_of_another_program_and_leaves_it_alone(repo, cli):
    path = account_file(repo.root)
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    db.close()
    before = path.read_bytes()

    plan = cli("plan", "dev")
    apply = cli("apply", "dev", "--auto-approve")

    assert (plan.code, apply.code) == (1, 1)
    assert "is a SQLite database of something else (tables: notes)" in plan.err
    assert path.read_bytes() == before


def test_a_damaged_sandbox_file_is_a_clear_error_and_is_not_written(repo, cli):
    path = account_file(repo.root)
    path.parent.mkdir()
    path.write_bytes(b"this is not a database, it only ends in .sqlite" * 100)
    before = path.read_bytes()

    result = cli("plan", "dev")

    assert result.code == 1
    assert "sandbox account .syncset/dev.sqlite is not a usable SQLite database" in result.err
    assert path.read_bytes() == before


# -- locks, schema export ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"pid": "abc", "host": socket.gethostname(), "started_epoch": time.time()},
        {"pid": 1, "started_epoch": [1], "ttl_seconds": "x"},
        {"pid": True},
        {"pid": 10**30, "host": socket.gethostname(), "started_epoch": time.time()},
        [1, 2],
    ],
    ids=["pid-word", "epoch-list", "pid-bool", "pid-huge", "not-an-object"],
)
def test_a_lock_file_with_wrong_typed_fields_is_a_clear_error_not_taken_over(repo, cli, body):
    repo.write("environments/dev/team.yaml", TEAM.format("x"))
    lock = repo.root / ".syncset/locks/dev.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps(body))

    result = cli("apply", "dev", "--auto-approve")

    assert result.code == 1
    assert result.err.startswith(
        "error: lock file .syncset/locks/dev.lock is unreadable (not a syncset lock): "
        "if no apply is running for dev, remove the file and run again"
    )
    assert lock.read_text() == json.dumps(body)


def test_schema_export_into_an_existing_file_is_a_clear_error(repo, cli):
    (repo.root / "schemas.txt").write_text("mine\n")

    result = cli("schema", "export", "schemas.txt")

    assert result.code == 1
    assert result.err.startswith("error: schemas.txt: exists and is not a folder")
    assert (repo.root / "schemas.txt").read_text() == "mine\n"


def test_a_write_that_the_file_system_refuses_is_a_clear_error(tmp_path):
    from syncset.errors import SyncsetError
    from syncset.safepath import atomic_write_text

    (tmp_path / "file").write_text("x")

    with pytest.raises(SyncsetError, match=r"cannot write .*nothing was changed"):
        atomic_write_text(tmp_path / "file" / "below.yaml", "a: 1\n")
