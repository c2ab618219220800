"""Identity on inline data: two live records with one marker, a re-keyed record."""

from __future__ import annotations

from plan_apply_helpers import change_of, environment, live, plan_of, record

from syncset.plan.model import Action, Reason, Status


def test_two_live_records_with_one_marker_are_a_duplicate_with_both_live_ids():
    env = environment(record("team", "dev", name="Dev"))
    account = [
        live("team", "SBX-1", owner="dev", name="Dev"),
        live("team", "SBX-2", owner="dev", name="Dev (2)"),
    ]

    plan = plan_of(env, *account)

    change = change_of(plan, "team/dev")
    assert (change.status, change.action, change.reason_code) == (
        Status.DUPLICATE,
        Action.NONE,
        Reason.DUPLICATE_MARKER,
    )
    assert "SBX-1, SBX-2" in change.reason and "plan again" in change.reason
    assert [c.ref for c in plan.duplicates] == ["team/dev"]
    assert [c.ref for c in plan.changes] == ["team/dev"], "neither twin is only in the account"
    assert plan.pending == []
