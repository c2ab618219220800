"""The slow steps tell how far they are (syncset.progress_events), for the terminal display."""

from __future__ import annotations

from syncset.plan.model import Selection
from syncset.progress_events import Progress, Step, notify, observing
from syncset.workflow import plan_environment


def test_planning_reports_every_file_parsed_and_every_kind_read_in_order(repo):
    for n in range(3):
        repo.write(f"environments/dev/t{n}.yaml", f"kind: team\nid: team-{n}\nname: Team {n}\n")
    seen: list[Progress] = []

    with observing(seen.append), plan_environment(repo.root, "dev", Selection()) as run:
        read = list(run.resolution.live.by_kind)

    files = [(e.done, e.total) for e in seen if e.step is Step.FILES]
    assert files == [(0, 3), (1, 3), (2, 3), (3, 3)]
    kinds = [e for e in seen if e.step is Step.KINDS]
    # The configuration kinds are read while the files parse (plan/prefetch.py), then the
    # reference data the records use: one count that only goes up, to every kind read once.
    assert kinds[0].done == 0
    assert [e.done for e in kinds] == sorted(e.done for e in kinds)
    assert kinds[-1].done == kinds[-1].total == len(read) > 1
    told = [e.item for e in kinds if e.item]
    assert sorted(told) == sorted(read) and "team" in told


def test_with_no_observer_notify_does_nothing_and_observing_restores_the_previous_one():
    outer: list[Progress] = []
    inner: list[Progress] = []
    notify(Step.FILES, 1, 2)  # nobody listens: no error

    with observing(outer.append):
        with observing(inner.append):
            notify(Step.FILES, 1, 2)
        notify(Step.KINDS, 2, 2, "team")

    notify(Step.FILES, 2, 2)
    assert inner == [Progress(Step.FILES, 1, 2)]
    assert outer == [Progress(Step.KINDS, 2, 2, "team")]
