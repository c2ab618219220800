"""Apply against an in-memory account that another runner writes to meanwhile."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from memory_provider import MemoryProvider
from plan_apply_helpers import environment, live, record

from syncset.apply.journal import Journal, read_journal
from syncset.apply.lock import environment_lock
from syncset.apply.run import Applier, ApplyReport, Outcome
from syncset.plan.build import build_plan
from syncset.plan.resolve import read_live, resolve
from syncset.providers.base import Marker

SOLUTION = {"name": "Expenses", "description": "Moves expense claims"}


def env_at(root: Path):
    env = environment(record("solution", "expenses", **SOLUTION))
    return dataclasses.replace(env, root=root, folder=root / "environments" / "dev")


def apply_after(tmp_path, account: MemoryProvider, meanwhile) -> ApplyReport:
    """Read and plan the account, let ``meanwhile`` write to it, then apply that plan."""
    env = env_at(tmp_path)
    resolution = resolve(env, read_live(account))
    plan = build_plan(resolution)
    meanwhile()
    with environment_lock(tmp_path, "dev", "apply"):
        journal = Journal.start(tmp_path, "dev", "apply")
        try:
            return Applier(env, account, resolution, plan, journal).run()
        finally:
            journal.close()


def solutions(account: MemoryProvider) -> list:
    return [r for r in account.account.records.values() if r.kind == "solution"]


def test_a_marker_another_runner_created_since_the_read_becomes_an_update(tmp_path):
    account = MemoryProvider()
    other = MemoryProvider(account.account)
    theirs = {"name": "Expenses", "description": "Old words"}

    report = apply_after(
        tmp_path,
        account,
        lambda: other.create("solution", theirs, Marker("syncset", "expenses")),
    )

    (only,) = solutions(account)
    assert only.fields["description"] == "Moves expense claims"
    assert [r.outcome for r in report.results] == [Outcome.APPLIED]
    _, entries = read_journal(Path(report.journal))
    assert [(e.action, e.live_id) for e in entries] == [("update", only.live_id)]


def test_a_marker_two_runners_created_meanwhile_is_reported_not_created(tmp_path):
    account = MemoryProvider()
    other = MemoryProvider(account.account)

    def two_runners() -> None:
        other.create("solution", {"name": "Expenses"}, Marker("syncset", "expenses"))
        other.create("solution", {"name": "Expenses 2"}, Marker("syncset", "expenses"))

    report = apply_after(tmp_path, account, two_runners)

    assert len(solutions(account)) == 2
    (result,) = report.results
    assert result.outcome is Outcome.STALE
    assert "2 records of the account carry its ownership marker" in result.message


def test_a_saved_create_whose_marker_two_records_carry_now_is_not_written(tmp_path):
    account = MemoryProvider()
    twins = [
        live("solution", "MEM-1", owner="expenses", name="Expenses"),
        live("solution", "MEM-2", owner="expenses", name="Expenses 2"),
    ]
    env = env_at(tmp_path)
    plan = build_plan(resolve(env, read_live(account)))
    account.account.records.update({t.live_id: t for t in twins})
    fresh = resolve(env, read_live(account))

    with environment_lock(tmp_path, "dev", "apply"):
        journal = Journal.start(tmp_path, "dev", "apply")
        report = Applier(env, account, fresh, plan, journal).run()
        journal.close()

    assert len(solutions(account)) == 2
    assert report.results[0].outcome is Outcome.STALE
    assert "MEM-1, MEM-2" in report.results[0].message


class RacedProvider(MemoryProvider):
    """An account where another runner's create of the same record lands at the same moment
    as ours, after our marker re-check: ``first`` says whose copy the account holds first;
    ``fields`` are theirs (None: the same as ours, as from the same YAML)."""

    def __init__(self, first: str, kind: str, fields: dict | None = None) -> None:
        super().__init__()
        self.other = MemoryProvider(self.account)
        self.first, self.kind, self.fields = first, kind, fields

    def create(self, kind, fields, marker):
        if kind != self.kind or marker is None:
            return super().create(kind, fields, marker)
        theirs = dict(fields if self.fields is None else self.fields)
        if self.first == "theirs":
            self.other.create(kind, theirs, marker)
            return super().create(kind, fields, marker)
        ours = super().create(kind, fields, marker)
        self.other.create(kind, theirs, marker)
        return ours


def apply_env(tmp_path, env, account) -> ApplyReport:
    env = dataclasses.replace(env, root=tmp_path, folder=tmp_path / "environments" / "dev")
    resolution = resolve(env, read_live(account))
    with environment_lock(tmp_path, "dev", "apply"):
        journal = Journal.start(tmp_path, "dev", "apply")
        try:
            return Applier(env, account, resolution, build_plan(resolution), journal).run()
        finally:
            journal.close()


def test_a_create_refused_because_another_runner_took_the_name_updates_that_copy(tmp_path):
    account = RacedProvider("theirs", "solution", {"name": "Expenses", "description": "Theirs"})

    report = apply_after(tmp_path, account, lambda: None)

    (only,) = solutions(account)
    assert only.marker == Marker("syncset", "expenses")
    assert only.fields["description"] == "Moves expense claims"
    (result,) = report.results
    assert result.outcome is Outcome.APPLIED and result.live_id == only.live_id
    _, entries = read_journal(Path(report.journal))
    assert [(e.action, e.outcome) for e in entries] == [("create", "failed"), ("update", "applied")]
    assert report.writes == {"applied": 1}, "the summary counts the record by its last write"


TEMPLATE = {"subject": "Reset password"}


def templates(account: MemoryProvider) -> list:
    return [r for r in account.account.records.values() if r.kind == "request_template"]


def test_a_copy_another_runner_created_first_is_kept_and_ours_released(tmp_path):
    account = RacedProvider("theirs", "request_template")
    env = environment(record("request_template", "reset", **TEMPLATE))

    report = apply_env(tmp_path, env, account)

    theirs, ours = templates(account)
    assert theirs.marker == Marker("syncset", "reset") and not theirs.disabled
    assert ours.marker in (None, Marker("", "")) and ours.disabled
    (result,) = report.results
    assert result.outcome is Outcome.APPLIED and result.live_id == theirs.live_id
    assert f"the first, {theirs.live_id}, is kept; ours, {ours.live_id}" in result.message
    _, entries = read_journal(Path(report.journal))
    assert [(e.action, e.live_id) for e in entries] == [
        ("create", ours.live_id),
        ("release", ours.live_id),
    ]
    again = resolve(env, read_live(account)).matches[("request_template", "reset")]
    assert again.live is not None and again.live.live_id == theirs.live_id
    assert not again.duplicates, "the next plan matches the kept copy alone"


def test_our_copy_created_first_is_kept_and_theirs_left_to_its_runner(tmp_path):
    account = RacedProvider("ours", "request_template")
    env = environment(record("request_template", "reset", **TEMPLATE))

    report = apply_env(tmp_path, env, account)

    ours, theirs = templates(account)
    assert ours.marker == theirs.marker == Marker("syncset", "reset")
    assert not ours.disabled and not theirs.disabled, "the later copy is its runner's to release"
    (result,) = report.results
    assert result.outcome is Outcome.APPLIED and result.live_id == ours.live_id
    assert result.message == ""
    _, entries = read_journal(Path(report.journal))
    assert [e.action for e in entries] == ["create"]


def test_which_copy_is_kept_follows_the_providers_order_or_else_the_smallest_live_id():
    from syncset.apply.markers import later_copies
    from syncset.providers.base import LiveRecord

    marker = Marker("syncset", "x")
    listed = [LiveRecord("team", "B", {}, marker), LiveRecord("team", "A", {}, marker)]
    found = {"team/x": listed}

    # Oldest first: the first listed is kept, whoever made it.
    assert later_copies(found, {"team/x": "B"}, ordered=True) == {}
    assert later_copies(found, {"team/x": "A"}, ordered=True) == {"team/x": (listed[0], 2)}
    # No known order: the smallest id is kept, so two runners never both give theirs up.
    assert later_copies(found, {"team/x": "A"}, ordered=False) == {}
    assert later_copies(found, {"team/x": "B"}, ordered=False) == {"team/x": (listed[1], 2)}


def test_rollback_leaves_a_released_copy_and_the_kept_one_alone(tmp_path):
    from syncset.apply.rollback import plan_rollback

    account = RacedProvider("theirs", "request_template")
    env = environment(record("request_template", "reset", **TEMPLATE))
    report = apply_env(tmp_path, env, account)
    _, entries = read_journal(Path(report.journal))

    assert [(e.action, e.outcome) for e in entries] == [
        ("create", "applied"),
        ("release", "applied"),
    ]
    assert plan_rollback(entries) == [], "the released copy is not this run's record any more"
