"""A warm plan of an unchanged folder against an unchanged account is the plan made last time
(plan/reuse.py), and never when anything it was made from may differ: an edited file (even one
that keeps its size and mtime), a file touched just before the run, a row edited outside
syncset, an ``env()`` value, a selection, ``--rekey``, another code version, a damaged store."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from plan_apply_helpers import account_file

import syncset.plan.reuse as reuse
import syncset.workflow as workflow
from syncset.config.parse_cache import CACHE_DIR, write_sealed
from syncset.plan.model import Plan, Selection, Status
from syncset.workflow import plan_environment

TEAMS = "environments/dev/teams"


def team(n: int, remarks: str = "Builds things.") -> str:
    return f"kind: team\nid: team-{n}\nname: Team {n}\nremarks: {remarks}\n"


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Files count as settled 50 ms after they were written (not 2 s): ``settle()`` waits."""
    monkeypatch.setattr(reuse, "SETTLE_NS", 50_000_000)
    return lambda: time.sleep(0.1)


@pytest.fixture
def account(repo: Any, cli: Any, settled: Any) -> Any:
    """Three teams applied to the account, then one changed in the YAML: a plan with one
    difference, its files settled."""
    for n in range(3):
        repo.write(f"{TEAMS}/t{n}.yaml", team(n))
    assert cli("apply", "dev", "--auto-approve").code == 0
    repo.write(f"{TEAMS}/t1.yaml", team(1, "Runs things."))
    settled()
    return repo


def plan(repo: Any, **options: Any) -> tuple[Plan, bool]:
    with plan_environment(repo.root, "dev", reuse=True, **options) as run:
        return run.plan, run.reused


def comparable(made: Plan) -> dict[str, Any]:
    return made.model_dump(exclude={"created_at"})


def differing(made: Plan) -> list[str]:
    return [c.id for c in made.changes if c.status is Status.EXISTS_DIFFERENCES]


def test_an_unchanged_folder_and_account_give_back_the_plan_made_last(account: Any) -> None:
    first, reused = plan(account)
    assert not reused
    again, reused = plan(account)
    assert reused
    assert comparable(again) == comparable(first)
    with plan_environment(account.root, "dev") as run:  # made from scratch: the same plan
        assert not run.reused
        assert comparable(run.plan) == comparable(again)
    assert differing(again) == ["team-1"]


def test_a_one_byte_edit_that_keeps_size_and_mtime_is_seen(account: Any) -> None:
    plan(account)
    path = account.root / TEAMS / "t2.yaml"
    status = path.stat()
    path.write_text(team(2, "Builds thingz."), encoding="utf-8")  # same size
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))  # the mtime put back
    assert path.stat().st_size == status.st_size

    made, reused = plan(account)
    assert not reused
    assert differing(made) == ["team-1", "team-2"]


def test_an_added_or_removed_file_is_seen(account: Any, settled: Any) -> None:
    plan(account)
    account.write(f"{TEAMS}/t3.yaml", team(3))
    settled()
    made, reused = plan(account)
    assert not reused
    assert [c.id for c in made.changes if c.status is Status.DOESNT_EXIST] == ["team-3"]
    (account.root / TEAMS / "t3.yaml").unlink()
    made, reused = plan(account)
    assert not reused
    assert not [c for c in made.changes if c.status is Status.DOESNT_EXIST]


def test_a_row_edited_outside_syncset_is_seen(account: Any) -> None:
    plan(account)
    db = sqlite3.connect(account_file(account.root, "dev"))
    with db:
        db.execute(
            "UPDATE records SET data = json_set(data, '$.remarks', 'Edited by hand.') "
            "WHERE kind = 'team' AND json_extract(data, '$.name') = 'Team 0'"
        )
    db.close()

    made, reused = plan(account)
    assert not reused
    assert differing(made) == ["team-0", "team-1"]


def test_files_changed_just_before_a_run_keep_no_plan(account: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(reuse, "SETTLE_NS", 3_600 * 10**9)  # everything is "just now"
    plan(account)
    _, reused = plan(account)
    assert not reused
    assert not list((account.root / CACHE_DIR).glob("*.plan"))


def test_a_record_that_read_env_keeps_no_plan(
    account: Any, settled: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAM_REMARKS", "from the environment")
    account.write(f"{TEAMS}/t0.yaml", team(0, "'{{ env(\"TEAM_REMARKS\") }}'"))
    settled()
    first, _ = plan(account)
    monkeypatch.setenv("TEAM_REMARKS", "Builds things.")  # now equal to the account's value
    made, reused = plan(account)
    assert not reused
    assert differing(first) == ["team-0", "team-1"]
    assert differing(made) == ["team-1"]


def test_selection_rekey_and_no_cache_make_the_plan_again(account: Any) -> None:
    plan(account)
    assert plan(account)[1]
    assert not plan(account, selection=Selection(kinds=("team",)))[1]
    assert not plan(account, rekey=True)[1]  # a context of its own: stored under it now
    assert plan(account, rekey=True)[1]
    assert not plan(account)[1]
    assert not plan(account, parse_cache=False)[1]
    with plan_environment(account.root, "dev") as run:  # a caller that did not ask
        assert not run.reused
        assert len(run.environment.records) == 3


def test_a_damaged_store_or_another_code_version_is_only_a_plan_made_again(
    account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan(account)
    (stored,) = (account.root / CACHE_DIR).glob("*.plan")
    body = stored.read_bytes()
    not_a_plan = body.replace(b'"changes"', b'"chang3s"').replace(b'"summary"', b'"summ4ry"')
    for damaged in (b"", body[: len(body) // 2], not_a_plan, b"\x80\x05junk"):
        stored.write_bytes(damaged)
        made, reused = plan(account)
        assert not reused
        assert differing(made) == ["team-1"]
    sealed = body[4:]  # after its CRC-32: the header's length, the header, the plan's JSON
    head = 8 + int.from_bytes(sealed[:8], "big")
    for forged in (
        (2**40).to_bytes(8, "big") + sealed[8:],  # a header longer than the file
        sealed[:head] + sealed[head:].replace(b'"changes"', b'"chang3s"'),  # not a plan
    ):
        write_sealed(stored, forged)  # sealed anew: only its content is wrong
        made, reused = plan(account)
        assert not reused
        assert differing(made) == ["team-1"]
    assert plan(account)[1]
    monkeypatch.setattr("syncset.config.parse_cache._stamp", b"another version")
    assert not plan(account)[1]


def test_syncset_plan_prints_the_same_plan_when_it_is_reused(
    account: Any, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    original = workflow.build_plan

    def counted(*args: Any, **kwargs: Any) -> Plan:
        built.append("plan")
        return original(*args, **kwargs)

    monkeypatch.setattr(workflow, "build_plan", counted)
    first = cli("plan", "dev", "--detailed-exitcode")
    again = cli("plan", "dev", "--detailed-exitcode")
    assert (first.code, again.code) == (2, 2)
    assert built == ["plan"]  # the second run made no plan of its own
    assert first.out == again.out
    assert "Runs things." in again.out


def test_a_plan_that_cannot_be_stored_removes_the_one_before(
    account: Any, settled: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan(account)
    assert list((account.root / CACHE_DIR).glob("*.plan"))
    monkeypatch.setenv("TEAM_REMARKS", "from the environment")
    account.write(f"{TEAMS}/t0.yaml", team(0, "'{{ env(\"TEAM_REMARKS\") }}'"))
    settled()
    assert not plan(account)[1]
    assert not list((account.root / CACHE_DIR).glob("*.plan"))  # not read by every run


def test_a_stored_plan_of_another_environment_or_selection_is_not_given_back(
    account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, _ = plan(account)
    real_dump = Plan.model_dump_json
    for other in (
        made.model_copy(update={"environment": "qa"}),
        made.model_copy(update={"selection": Selection(kinds=("team",))}),
    ):
        monkeypatch.setattr(Plan, "model_dump_json", lambda self, o=other: real_dump(o))
        (account.root / TEAMS / "t2.yaml").touch()  # a new stamp: stored again, as `other`
        time.sleep(0.1)
        plan(account)
        monkeypatch.setattr(Plan, "model_dump_json", real_dump)
        assert not plan(account)[1]


def test_the_store_lives_in_the_cache_folder_and_deleting_it_starts_again(
    account: Any, tmp_path: Path
) -> None:
    plan(account)
    assert plan(account)[1]
    for path in (account.root / CACHE_DIR).iterdir():
        path.unlink()
    assert not plan(account)[1]
    assert plan(account)[1]
