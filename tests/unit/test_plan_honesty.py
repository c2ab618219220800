"""The plan says what will happen: renames by link, unmet removal policies, kept records, and
removals in reverse dependency order (all through resolve + build_plan on inline data)."""

from __future__ import annotations

import json

import pytest
from plan_apply_helpers import change_of, environment, live, plan_of, record

from syncset.plan.model import Action, Reason
from syncset.render import Format, render_plan

ALL_VIEWS = (Format.TEXT, Format.MARKDOWN, Format.JSON)


@pytest.mark.parametrize("view", ALL_VIEWS)
def test_a_linked_record_renamed_to_the_yamls_name_is_shown_as_a_rename(view):
    env = environment(
        record("connection", "crm", name="CRM", type="http"),
        links={"connection/crm": "CRM (production)"},
    )

    plan = plan_of(env, live("connection", "SBX-9", name="CRM (production)", type="http"))

    assert "renamed from 'CRM (production)' to 'CRM'" in render_plan(plan, view)
    if view is not Format.JSON:
        assert "adopt (renamed)" in render_plan(plan, view)


def test_a_linked_rename_is_among_the_risky_changes_apply_shows_before_asking():
    from syncset.render.text import plan_review

    env = environment(
        record("connection", "crm", name="CRM", type="http"),
        links={"connection/crm": "CRM (production)"},
    )
    renamed = plan_of(env, live("connection", "SBX-9", name="CRM (production)", type="http"))
    kept = plan_of(
        environment(
            record("connection", "crm", name="CRM", type="http"), links={"connection/crm": "CRM"}
        ),
        live("connection", "SBX-9", name="CRM", type="http"),
    )

    assert "Risky changes (1):" in plan_review(renamed)
    assert "& connection/crm  adopt (renamed)" in plan_review(renamed)
    assert "Risky changes" not in plan_review(kept), "an adopt under its own name is no rename"


@pytest.mark.parametrize("view", ALL_VIEWS)
def test_delete_that_a_kind_cannot_do_is_stated_in_every_view(view):
    env = environment(record("solution", "s", name="S"), policy="delete")

    plan = plan_of(
        env,
        live("solution", "SBX-0", owner="s", name="S"),
        live("team", "SBX-1", owner="old", name="Old"),
    )

    change = change_of(plan, "team/old")
    assert (change.action, change.reason_code) == (Action.DISABLE, Reason.DELETE_UNAVAILABLE)
    text = render_plan(plan, view)
    assert "delete is not available for team records" in text
    assert "disabled instead" in text


def test_delete_that_the_account_cannot_do_is_stated_even_for_a_deletable_kind():
    from syncset.plan.build import build_plan
    from syncset.plan.resolve import LiveState, resolve

    env = environment(record("solution", "s", name="S"), policy="delete")
    account = {
        "solution": [live("solution", "SBX-0", owner="s", name="S")],
        "flow": [live("flow", "SBX-1", owner="old", name="Old")],
    }

    plan = build_plan(resolve(env, LiveState(account, "inline")), account_removal="disable")

    change = change_of(plan, "flow/old")
    assert (change.action, change.reason_code) == (Action.DISABLE, Reason.DELETE_UNAVAILABLE)
    assert "this account can only disable them" in change.reason


@pytest.mark.parametrize("view", ALL_VIEWS)
def test_keep_lists_the_records_it_keeps_by_name_in_every_view(view):
    env = environment(record("solution", "s", name="S"), policy="keep")

    plan = plan_of(
        env,
        live("solution", "SBX-0", owner="s", name="S"),
        live("team", "SBX-1", owner="gone", name="Gone Team"),
    )

    text = render_plan(plan, view)
    assert "Gone Team" in text
    if view is not Format.JSON:
        assert "team/gone" in text
    else:
        kept = [c for c in json.loads(text)["changes"] if c["reason_code"] == "kept_by_policy"]
        assert [(c["id"], c["name"]) for c in kept] == [("gone", "Gone Team")]


def test_removals_run_in_reverse_dependency_order_a_team_before_the_board_it_references():
    env = environment(record("solution", "s", name="S"), policy="disable")

    plan = plan_of(
        env,
        live("solution", "SBX-0", owner="s", name="S"),
        live("team", "SBX-1", owner="team", name="Team", agile_board="SBX-2"),
        live("agile_board", "SBX-2", owner="board", name="Board"),
        live("calendar", "SBX-3", owner="hours", name="Hours"),
        live("team", "SBX-4", owner="other", name="Other", work_hours="SBX-3"),
    )

    removals = [c.ref for c in plan.pending]
    assert removals.index("team/team") < removals.index("agile_board/board")
    assert removals.index("team/other") < removals.index("calendar/hours")
