"""Identity on inline data: two live records with one marker, a re-keyed record."""

from __future__ import annotations

import pytest
from plan_apply_helpers import change_of, environment, live, plan_of, record

from syncset.errors import ConfigError
from syncset.model import Environment
from syncset.plan.build import build_plan
from syncset.plan.model import Action, Reason, Status
from syncset.plan.resolve import LiveState, resolve
from syncset.schemas.environment import Move


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


@pytest.mark.parametrize("view", ["text", "markdown"])
def test_a_plan_with_only_duplicates_never_says_the_account_matches(view):
    from syncset.render import Format, render_plan

    env = environment(record("team", "dev", name="Dev"))
    plan = plan_of(
        env,
        live("team", "SBX-1", owner="dev", name="Dev"),
        live("team", "SBX-2", owner="dev", name="Dev (2)"),
    )

    shown = render_plan(plan, Format(view))
    assert "matches" not in shown
    assert "1 records have several copies in the account" in shown
    assert plan.out_of_sync, "plan --detailed-exitcode exits 2: the account does not match"


# -- re-keying: the YAML id changed, the account's record has the old id's marker ------------


def moved_environment(*records, moved=()):
    env = environment(*records)
    config = env.config.model_copy(
        update={"moved": [Move.model_validate({"from": f, "to": t}) for f, t in moved]}
    )
    return Environment(env.name, env.root, env.folder, config, env.mappings, env.records)


def test_a_changed_id_with_the_same_name_is_a_rekey_not_a_create_and_not_only_in_account():
    env = environment(record("team", "operations", name="Ops"))

    plan = plan_of(env, live("team", "SBX-1", owner="ops", name="Ops"))

    change = change_of(plan, "team/operations")
    assert (change.status, change.action, change.reason_code) == (
        Status.REKEYED,
        Action.NONE,
        Reason.REKEY_UNCONFIRMED,
    )
    assert (change.rekeyed_from, change.live_id) == ("ops", "SBX-1")
    assert "moved: [{from: team/ops, to: team/operations}]" in change.reason
    assert "--rekey" in change.reason
    assert [c.ref for c in plan.changes] == ["team/operations"], "team/ops is not only in account"
    assert plan.pending == [] and plan.refused == [change]


def test_with_rekey_consent_the_rekey_is_an_update_of_the_old_record():
    env = environment(record("team", "operations", name="Ops", remarks="24/7"))

    plan = build_plan(
        resolve(env, LiveState({"team": [live("team", "SBX-1", owner="ops", name="Ops")]}, "a")),
        rekey=True,
    )

    change = change_of(plan, "team/operations")
    assert (change.status, change.action, change.reason_code) == (
        Status.REKEYED,
        Action.UPDATE,
        Reason.REKEYED,
    )
    assert change.rekeyed_from == "ops" and "re-key consented (--rekey)" in change.reason
    assert [f.field for f in change.changes] == ["remarks"]
    assert plan.refused == []


def test_a_moved_entry_wins_over_a_hand_made_record_of_the_new_name():
    env = moved_environment(
        record("team", "operations", name="Operations"), moved=[("team/ops", "team/operations")]
    )

    plan = plan_of(
        env,
        live("team", "SBX-1", owner="ops", name="Ops"),
        live("team", "SBX-2", name="Operations"),  # made by hand, no marker
    )

    (change,) = [c for c in plan.changes if c.ref == "team/operations" and c.managed]
    assert (change.action, change.reason_code, change.live_id) == (
        Action.UPDATE,
        Reason.REKEYED,
        "SBX-1",
    ), "the old marker finds the twin, not the record that has the new name"


def test_no_rekey_is_guessed_for_a_kind_whose_names_are_not_unique():
    env = environment(record("request_template", "rt-b", subject="Password reset"))

    plan = plan_of(env, live("request_template", "SBX-1", owner="rt-a", subject="Password reset"))

    assert change_of(plan, "request_template/rt-b").action is Action.CREATE
    assert change_of(plan, "request_template/rt-a").rekeyed_from is None
    assert plan.refused == []


def test_a_moved_entry_follows_the_old_marker_even_when_the_name_changed_too():
    env = moved_environment(
        record("team", "operations", name="Operations"), moved=[("team/ops", "team/operations")]
    )

    plan = plan_of(env, live("team", "SBX-1", owner="ops", name="Ops"))

    change = change_of(plan, "team/operations")
    assert (change.action, change.reason_code, change.rekeyed_from) == (
        Action.UPDATE,
        Reason.REKEYED,
        "ops",
    )
    assert (
        "re-key consented (moved: in environment.yaml)" in change.reason
        and "renamed from 'Ops'" in change.reason
    )


def test_a_marker_whose_id_is_still_in_the_yaml_is_not_a_rekey():
    env = environment(
        record("team", "ops", name="Ops (old)"), record("team", "operations", name="Ops")
    )
    account = [live("team", "SBX-1", owner="ops", name="Ops")]

    plan = plan_of(env, *account)

    assert change_of(plan, "team/ops").reason_code is Reason.RENAMED
    assert change_of(plan, "team/operations").action is Action.CREATE


def test_an_unmanaged_record_of_the_name_is_adopted_rather_than_a_managed_one_rekeyed():
    env = environment(record("request_template", "reset", subject="Reset"))
    account = [
        live("request_template", "SBX-1", subject="Reset"),
        live("request_template", "SBX-2", owner="old-reset", subject="Reset"),
    ]

    plan = plan_of(env, *account)

    assert change_of(plan, "request_template/reset").action is Action.ADOPT
    assert change_of(plan, "request_template/old-reset").status is Status.ONLY_IN_ACCOUNT


def test_two_old_markers_with_the_name_are_no_rekey():
    env = environment(record("request_template", "reset", subject="Reset"))
    account = [
        live("request_template", "SBX-1", owner="a", subject="Reset"),
        live("request_template", "SBX-2", owner="b", subject="Reset"),
    ]

    plan = plan_of(env, *account)

    assert change_of(plan, "request_template/reset").action is Action.CREATE


def test_a_moved_entry_whose_old_marker_is_not_in_the_account_is_an_error_of_the_entry():
    env = moved_environment(
        record("team", "operations", name="Ops"), moved=[("team/ops", "team/operations")]
    )

    with pytest.raises(ConfigError) as caught:
        plan_of(env, live("team", "SBX-1", owner="other", name="Other"))

    (problem,) = caught.value.problems
    assert (problem.path, problem.field) == ("environments/dev/environment.yaml", "moved[0].from")
    assert "no team of the account carries the ownership marker of team/ops" in problem.message


def test_a_moved_entry_already_done_is_no_error_and_no_change():
    env = moved_environment(
        record("team", "operations", name="Ops"), moved=[("team/ops", "team/operations")]
    )

    plan = plan_of(env, live("team", "SBX-1", owner="operations", name="Ops"))

    assert plan.pending == [] and plan.refused == []


def test_a_moved_entry_whose_old_marker_two_records_carry_names_both():
    env = moved_environment(
        record("team", "operations", name="Ops"), moved=[("team/ops", "team/operations")]
    )
    account = [
        live("team", "SBX-1", owner="ops", name="Ops"),
        live("team", "SBX-2", owner="ops", name="Ops (2)"),
    ]

    with pytest.raises(ConfigError) as caught:
        plan_of(env, *account)

    (problem,) = caught.value.problems
    assert "2 records of the account carry the ownership marker of team/ops" in problem.message
    assert "SBX-1, SBX-2" in problem.message


def test_a_rekey_without_consent_is_not_disabled_even_where_the_policy_removes():
    env = environment(record("team", "operations", name="Ops"), policy="disable")

    plan = plan_of(env, live("team", "SBX-1", owner="ops", name="Ops"))

    assert plan.pending == []
    assert [(c.ref, c.status) for c in plan.changes] == [("team/operations", Status.REKEYED)]
