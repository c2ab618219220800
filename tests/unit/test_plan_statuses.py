"""Matching, statuses and actions on inline data: resolve + build_plan, no files, no provider."""

from __future__ import annotations

from datetime import date

import pytest
from plan_apply_helpers import change_of, environment, live, plan_of, record

from syncset.errors import ConfigError
from syncset.plan.model import Action, PlanStatus, Status
from syncset.providers.base import LiveRecord, Marker

HOLIDAY = {"name": "Christmas", "start_at": date(2026, 12, 25), "end_at": date(2026, 12, 25)}


def person(live_id: str, email: str) -> object:
    return live("person", live_id, name=email.split("@")[0], primary_email=email)


# -- YAML records against the account ---------------------------------------------------------


def test_a_record_missing_from_the_account_does_not_exist_and_will_be_created():
    plan = plan_of(environment(record("team", "dev", name="Dev")))

    change = change_of(plan, "team/dev")
    assert (change.status, change.action, change.managed) == (
        Status.DOESNT_EXIST,
        Action.CREATE,
        True,
    )
    assert change.live_id is None and change.fingerprint is None
    assert plan.summary == {"team": {"doesnt_exist": 1}}


def test_a_managed_record_equal_to_the_yaml_exists_without_differences():
    env = environment(record("team", "dev", name="Dev", remarks="Builds"))

    plan = plan_of(env, live("team", "SBX-1", owner="dev", name="Dev", remarks="Builds"))

    change = change_of(plan, "team/dev")
    assert (change.status, change.action) == (Status.EXISTS_NO_DIFFERENCES, Action.NONE)
    assert change.changes == ()
    assert change.live_id == "SBX-1" and change.fingerprint
    assert not plan.has_changes


def test_a_managed_record_that_differs_is_updated_field_by_field():
    env = environment(record("team", "dev", name="Dev", remarks="Builds"))

    plan = plan_of(env, live("team", "SBX-1", owner="dev", name="Dev", remarks="Old"))

    change = change_of(plan, "team/dev")
    assert (change.status, change.action) == (Status.EXISTS_DIFFERENCES, Action.UPDATE)
    assert [(c.field, c.before, c.after) for c in change.changes] == [("remarks", "Old", "Builds")]


def test_a_renamed_record_is_found_by_its_marker_and_shown_as_a_difference():
    env = environment(record("team", "dev", name="Application Development"))

    plan = plan_of(env, live("team", "SBX-1", owner="dev", name="App Dev"))

    assert [c.ref for c in plan.changes] == ["team/dev"]
    change = change_of(plan, "team/dev")
    assert (change.status, change.action) == (Status.EXISTS_DIFFERENCES, Action.UPDATE)
    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("name", "App Dev", "Application Development")
    ]
    assert "renamed" in change.reason


def test_the_marker_wins_over_an_unmanaged_record_with_the_new_name():
    env = environment(record("team", "dev", name="Platform"))
    account = [
        live("team", "SBX-1", owner="dev", name="Old name"),
        live("team", "SBX-2", name="Platform"),
    ]

    plan = plan_of(env, *account)

    assert change_of(plan, "team/dev").live_id == "SBX-1"
    unmanaged = change_of(plan, "team/platform")
    assert (unmanaged.status, unmanaged.action, unmanaged.managed) == (
        Status.ONLY_IN_ACCOUNT,
        Action.NONE,
        False,
    )


def test_an_unmanaged_record_with_the_same_natural_key_is_adopted():
    env = environment(record("team", "dev", name="Dev", remarks="Builds"))

    plan = plan_of(env, live("team", "SBX-1", name="Dev", remarks="Made by hand"))

    change = change_of(plan, "team/dev")
    assert (change.status, change.action, change.managed) == (
        Status.EXISTS_DIFFERENCES,
        Action.ADOPT,
        False,
    )
    assert change.live_id == "SBX-1"
    assert "same name" in change.reason and "adopted" in change.reason
    assert [(c.field, c.after) for c in change.changes] == [("remarks", "Builds")]


def test_an_equal_unmanaged_record_is_still_adopted_to_write_the_marker():
    env = environment(record("team", "dev", name="Dev"))

    plan = plan_of(env, live("team", "SBX-1", name="Dev"))

    change = change_of(plan, "team/dev")
    assert (change.status, change.action) == (Status.EXISTS_NO_DIFFERENCES, Action.ADOPT)
    assert plan.has_changes


def test_natural_key_matching_uses_every_key_field():
    env = environment(record("holiday", "xmas", **HOLIDAY))
    account = [
        live("holiday", "SBX-1", name="Christmas", start_at="2025-12-25T00:00:00Z"),
        live("holiday", "SBX-2", name="Christmas", start_at="2026-12-25T00:00:00Z"),
    ]

    plan = plan_of(env, *account)

    assert change_of(plan, "holiday/xmas").live_id == "SBX-2"


def test_a_record_owned_by_another_tool_is_adopted_with_the_owner_named():
    env = environment(record("team", "dev", name="Dev"))
    other = LiveRecord(
        "team", "SBX-1", {"name": "Dev", "disabled": False}, Marker("terraform", "x")
    )

    plan = plan_of(env, other)

    change = change_of(plan, "team/dev")
    assert change.action is Action.ADOPT
    assert "taking it over from 'terraform'" in change.reason


def test_a_link_binds_a_record_to_an_existing_one_with_another_name():
    env = environment(
        record("connection", "crm", name="CRM", type="http"),
        links={"connection/crm": "CRM (production)"},
    )

    plan = plan_of(env, live("connection", "SBX-9", name="CRM (production)", type="http"))

    change = change_of(plan, "connection/crm")
    assert (change.action, change.live_id) == (Action.ADOPT, "SBX-9")
    assert "linked in mappings.yaml" in change.reason
    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("name", "CRM (production)", "CRM")
    ]


def test_an_ambiguous_natural_key_is_refused_with_a_message_that_says_what_to_do():
    env = environment(record("request_template", "expense", subject="Expense"))
    account = [
        live("request_template", "SBX-1", subject="Expense"),
        live("request_template", "SBX-2", subject="Expense"),
    ]

    with pytest.raises(ConfigError) as caught:
        plan_of(env, *account)

    message = str(caught.value)
    assert "request_template/expense: subject: 2 records of the account have subject" in message
    assert "'Expense'" in message
    assert "rename or disable the extra ones in the account" in message


# -- records only in the account --------------------------------------------------------------


@pytest.mark.parametrize("policy", ["keep", "disable", "delete"])
def test_an_unmanaged_record_only_in_the_account_is_never_touched(policy):
    env = environment(record("team", "dev", name="Dev"), policy=policy)

    plan = plan_of(
        env, live("team", "SBX-1", owner="dev", name="Dev"), live("team", "SBX-2", name="Ops")
    )

    change = change_of(plan, "team/ops")
    assert (change.status, change.action, change.managed) == (
        Status.ONLY_IN_ACCOUNT,
        Action.NONE,
        False,
    )
    assert plan.summary["team"] == {"exists_no_differences": 1, "only_in_account_unmanaged": 1}


@pytest.mark.parametrize(
    ("policy", "kind", "action"),
    [
        ("keep", "team", Action.NONE),
        ("disable", "team", Action.DISABLE),
        ("delete", "team", Action.DISABLE),  # teams can only be disabled
        ("keep", "flow", Action.NONE),
        ("disable", "flow", Action.DISABLE),
        ("delete", "flow", Action.DELETE),  # flows are deleted when the policy allows it
    ],
)
def test_a_managed_record_gone_from_the_yaml_follows_the_policy_and_the_kinds_removal_rule(
    policy, kind, action
):
    env = environment(record("solution", "keep-me", name="Keep"), policy=policy)

    plan = plan_of(
        env,
        live("solution", "SBX-0", owner="keep-me", name="Keep"),
        live(kind, "SBX-1", owner="gone", name="Gone"),
    )

    change = change_of(plan, f"{kind}/gone")
    assert (change.status, change.action, change.managed) == (Status.ONLY_IN_ACCOUNT, action, True)
    assert plan.summary[kind] == {"only_in_account_managed": 1}
    assert f"policies.only_in_account: {policy}" in change.reason
    if action is Action.DISABLE:
        assert [(c.field, c.before, c.after) for c in change.changes] == [("disabled", False, True)]
    if policy == "delete" and action is Action.DISABLE:
        assert "delete is not available" in change.reason


def test_a_managed_record_already_disabled_is_not_disabled_again():
    env = environment(record("team", "dev", name="Dev"), policy="disable")

    plan = plan_of(
        env,
        live("team", "SBX-0", owner="dev", name="Dev"),
        live("team", "SBX-1", owner="gone", disabled=True, name="Gone"),
    )

    change = change_of(plan, "team/gone")
    assert (change.status, change.action) == (Status.ONLY_IN_ACCOUNT, Action.NONE)
    assert "already disabled" in change.reason


def test_removals_come_after_creates_and_updates():
    env = environment(record("team", "new", name="New"), policy="disable")

    plan = plan_of(env, live("team", "SBX-1", owner="gone", name="Gone"))

    assert [(c.ref, c.action) for c in plan.changes] == [
        ("team/new", Action.CREATE),
        ("team/gone", Action.DISABLE),
    ]


# -- references and sets ----------------------------------------------------------------------


def test_id_lists_are_compared_as_sets():
    env = environment(
        record("holiday", "a", name="A", start_at=date(2026, 1, 1), end_at=date(2026, 1, 1)),
        record("holiday", "b", name="B", start_at=date(2026, 2, 1), end_at=date(2026, 2, 1)),
        record("calendar", "office", name="Office", holidays=["b", "a"]),
    )
    account = [
        live(
            "holiday",
            "SBX-A",
            owner="a",
            name="A",
            start_at="2026-01-01T00:00:00Z",
            end_at="2026-01-02T00:00:00Z",
        ),
        live(
            "holiday",
            "SBX-B",
            owner="b",
            name="B",
            start_at="2026-02-01T00:00:00Z",
            end_at="2026-02-02T00:00:00Z",
        ),
        live("calendar", "SBX-C", owner="office", name="Office", holidays=["SBX-A", "SBX-B"]),
    ]

    plan = plan_of(env, *account)

    assert not plan.has_changes, [c.changes for c in plan.pending]


def test_a_changed_id_list_shows_both_sides_as_record_ids():
    env = environment(
        record("holiday", "a", name="A", start_at=date(2026, 1, 1), end_at=date(2026, 1, 1)),
        record("holiday", "b", name="B", start_at=date(2026, 2, 1), end_at=date(2026, 2, 1)),
        record("calendar", "office", name="Office", holidays=["a", "b"]),
    )
    account = [
        live(
            "holiday",
            "SBX-A",
            owner="a",
            name="A",
            start_at="2026-01-01T00:00:00Z",
            end_at="2026-01-02T00:00:00Z",
        ),
        live("calendar", "SBX-C", owner="office", name="Office", holidays=["SBX-A"]),
    ]

    plan = plan_of(env, *account)

    change = change_of(plan, "calendar/office")
    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("holidays", ["a"], ["a", "b"])
    ]


def test_references_to_records_not_managed_from_yaml_are_shown_as_unmanaged():
    env = environment(
        record("calendar", "office", name="Office"),
        record("team", "dev", name="Dev", work_hours="office"),
    )
    account = [
        live("calendar", "SBX-C", owner="office", name="Office"),
        live("calendar", "SBX-X", name="Someone's hours"),
        live("team", "SBX-T", owner="dev", name="Dev", work_hours="SBX-X"),
    ]

    plan = plan_of(env, *account)

    change = change_of(plan, "team/dev")
    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("work_hours", "<unmanaged calendar Someone's hours>", "office")
    ]


def test_changes_are_ordered_by_the_dependency_graph():
    env = environment(
        record("team", "dev", name="Dev", work_hours="office"),
        record("calendar", "office", name="Office", holidays=["xmas"]),
        record("holiday", "xmas", **HOLIDAY),
    )

    plan = plan_of(env)

    assert [(c.ref, c.wave) for c in plan.changes] == [
        ("holiday/xmas", 0),
        ("calendar/office", 1),
        ("team/dev", 2),
    ]


def test_a_board_and_its_team_are_a_cycle_broken_by_setting_the_columns_later():
    env = environment(
        record("team", "dev", name="Dev", agile_board="sprint"),
        record("agile_board", "sprint", name="Sprint", columns=[{"name": "Doing", "team": "dev"}]),
    )

    plan = plan_of(env)

    board = change_of(plan, "agile_board/sprint")
    assert board.deferred == ("columns",)
    assert "columns set later" in board.reason
    assert board.wave < change_of(plan, "team/dev").wave


# -- reference data and the mapping overlay ---------------------------------------------------


def test_a_value_that_exists_in_the_account_maps_to_itself_automatically():
    env = environment(record("team", "dev", name="Dev", manager="frank@wdc.example"))

    plan = plan_of(env, person("SBX-P", "frank@wdc.example"))

    assert plan.status is PlanStatus.PREPARED
    assert [(m.value, m.state, m.target) for m in plan.mappings] == [
        ("frank@wdc.example", "automatic", "frank@wdc.example")
    ]


def test_a_value_mapped_in_mappings_yaml_is_translated_before_comparing():
    env = environment(
        record("team", "dev", name="Dev", manager="rodney@wdc.example"),
        references={"person": {"rodney@wdc.example": "ander@widget.example"}},
    )
    account = [
        person("SBX-P", "ander@widget.example"),
        live("team", "SBX-T", owner="dev", name="Dev", manager="SBX-P"),
    ]

    plan = plan_of(env, *account)

    assert plan.status is PlanStatus.PREPARED
    assert [(m.value, m.state, m.target) for m in plan.mappings] == [
        ("rodney@wdc.example", "mapped", "ander@widget.example")
    ]
    assert change_of(plan, "team/dev").action is Action.NONE


def test_unmapped_values_make_the_plan_being_prepared_and_list_every_use():
    env = environment(
        record(
            "team",
            "dev",
            name="Dev",
            manager="rodney@wdc.example",
            members=["rodney@wdc.example", "frank@wdc.example"],
        ),
        record("product_backlog", "exp", name="Expenses", product_owner="rodney@wdc.example"),
    )

    plan = plan_of(env, person("SBX-P", "frank@wdc.example"))

    assert plan.status is PlanStatus.BEING_PREPARED
    assert [(u.kind, u.value) for u in plan.unmapped] == [("person", "rodney@wdc.example")]
    assert sorted((u.record, u.field) for u in plan.unmapped[0].used_by) == [
        ("product_backlog/exp", "product_owner"),
        ("team/dev", "manager"),
        ("team/dev", "members"),
    ]


def test_a_mapping_target_missing_from_the_account_is_an_error_in_mappings_yaml():
    env = environment(
        record("team", "dev", name="Dev", manager="rodney@wdc.example"),
        references={"person": {"rodney@wdc.example": "nobody@widget.example"}},
    )

    with pytest.raises(ConfigError) as caught:
        plan_of(env, person("SBX-P", "frank@wdc.example"))

    message = str(caught.value)
    assert "environments/dev/mappings.yaml" in message
    assert "person 'nobody@widget.example' does not exist in the account" in message


def test_e_mail_mappings_match_the_account_whatever_the_case():
    env = environment(record("team", "dev", name="Dev", manager="frank@wdc.example"))

    plan = plan_of(env, person("SBX-P", "Frank@WDC.example"))

    assert plan.status is PlanStatus.PREPARED
