"""What a kind says about itself, in the plan: removal, create-only fields, versions.

On inline data (resolve + build_plan, no files, no provider): a holiday cannot be removed in
Xurrent, so it is left whatever the policy; a UI extension's category is set on create only, so
a change of it is refused; its content is versioned, so a change says a version is activated.
"""

from __future__ import annotations

import pytest
from plan_apply_helpers import change_of, environment, live, plan_of, record

from syncset.errors import ConfigError
from syncset.plan.model import Action, Status

HOLIDAY_LIVE = {
    "name": "Christmas",
    "start_at": "2026-12-25T00:00:00Z",
    "end_at": "2026-12-26T00:00:00Z",
}


@pytest.mark.parametrize("policy", ["keep", "disable", "delete"])
def test_a_managed_holiday_that_left_the_yaml_is_left_whatever_the_policy(policy):
    plan = plan_of(
        environment(policy=policy), live("holiday", "SBX-9", owner="xmas", **HOLIDAY_LIVE)
    )

    change = change_of(plan, "holiday/xmas")
    assert (change.status, change.action, change.changes) == (
        Status.ONLY_IN_ACCOUNT,
        Action.NONE,
        (),
    )
    assert change.reason == (
        "managed, no longer in YAML: holidays cannot be disabled or deleted in Xurrent: remove "
        "it by hand (calendars that drop it from their holidays detach it on apply)"
    )
    assert plan.left_in_account == [change]
    assert plan.pending == []


def test_delete_on_a_kind_that_can_only_be_disabled_says_so():
    plan = plan_of(environment(policy="delete"), live("team", "SBX-1", owner="old", name="Old"))

    change = change_of(plan, "team/old")
    assert change.action is Action.DISABLE
    assert "delete is not available for team records" in change.reason


def test_a_changed_ui_extension_category_is_refused_at_plan_time_naming_both_values():
    env = environment(record("ui_extension", "ui", name="UI", category="person"))

    with pytest.raises(ConfigError) as refused:
        plan_of(env, live("ui_extension", "SBX-2", owner="ui", name="UI", category="team"))

    (problem,) = refused.value.problems
    assert (problem.subject, problem.field) == ("ui_extension/ui", "category")
    assert problem.message == (
        "category cannot change once a UI extension exists (UI extension records get it on "
        "create only): the account has 'team', the YAML says 'person'; write category: team, or "
        "give the record a new id so that apply creates a new UI extension (the old one is then "
        "only in the account)"
    )


def test_changed_ui_extension_content_says_a_new_version_will_be_activated():
    env = environment(record("ui_extension", "ui", name="UI", category="team", html="<b>new</b>"))

    plan = plan_of(
        env,
        live("ui_extension", "SBX-2", owner="ui", name="UI", category="team", html="<b>old</b>"),
    )

    change = change_of(plan, "ui_extension/ui")
    assert change.action is Action.UPDATE
    assert change.reason == (
        "matched by its ownership marker; html: written as a new version, which apply activates"
    )
