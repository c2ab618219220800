"""The differ on inline data: only declared fields, children by key, mappings per key, secrets."""

from __future__ import annotations

from syncset.plan.diff import Difference, diff_fields
from syncset.plan.resolve import comparable_fields
from syncset.schemas import CATALOG

CALENDAR = CATALOG["calendar"]
BOARD = CATALOG["agile_board"]
CONNECTION = CATALOG["connection"]

MONDAY = {"weekday": "mon", "time_from": "08:00", "time_until": "17:00"}
TUESDAY = {"weekday": "tue", "time_from": "08:00", "time_until": "17:00"}


def test_equal_records_have_no_differences():
    fields = {"name": "Office", "hours": [MONDAY], "disabled": False}

    assert diff_fields(CALENDAR, fields, dict(fields)) == []


def test_a_changed_scalar_is_one_difference_with_before_and_after():
    desired = {"name": "Office", "description": "new"}
    live = {"name": "Office", "description": "old"}

    assert diff_fields(CALENDAR, desired, live) == [Difference("description", "old", "new")]


def test_server_filled_fields_timestamps_and_ids_are_never_compared():
    declared = {"name": "Office", "hours": [MONDAY]}
    account = {
        "name": "Office",
        "hours": [{**MONDAY, "id": "SBX-000000000001"}],
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-02-01T00:00:00Z",
        "time_zone": "Europe/Amsterdam",
        "source": "someone",
    }

    comparable = comparable_fields(CALENDAR, account, declared, lambda target, value: value)

    assert comparable == declared
    assert diff_fields(CALENDAR, declared, comparable) == []


def test_a_new_record_lists_every_field_and_every_child_item_as_added():
    desired = {"name": "Office", "hours": [MONDAY, TUESDAY]}

    differences = diff_fields(CALENDAR, desired, None)

    assert differences == [
        Difference("name", None, "Office"),
        Difference("hours[mon 08:00]", None, MONDAY),
        Difference("hours[tue 08:00]", None, TUESDAY),
    ]


def test_child_items_are_matched_by_key_and_diffed_item_by_item():
    friday_live = {"weekday": "fri", "time_from": "08:00", "time_until": "17:00"}
    friday_desired = {**friday_live, "time_until": "16:00"}
    live = {"hours": [MONDAY, friday_live]}
    desired = {"hours": [friday_desired, TUESDAY]}

    differences = diff_fields(CALENDAR, desired, live)

    assert differences == [
        Difference("hours[fri 08:00].time_until", "17:00", "16:00"),
        Difference("hours[tue 08:00]", None, TUESDAY),
        Difference("hours[mon 08:00]", MONDAY, None),
    ]


def test_reordered_child_items_without_a_position_are_not_a_difference():
    assert diff_fields(CALENDAR, {"hours": [TUESDAY, MONDAY]}, {"hours": [MONDAY, TUESDAY]}) == []


def test_board_columns_are_matched_by_name_so_a_changed_column_is_not_remove_and_add():
    live = {"columns": [{"name": "Review", "action_type": "wait", "wip_limit": 3, "position": 1}]}
    desired = {
        "columns": [{"name": "Review", "action_type": "wait", "wip_limit": 5, "position": 1}]
    }

    assert diff_fields(BOARD, desired, live) == [Difference("columns[Review].wip_limit", 3, 5)]


def test_a_mapping_valued_field_is_diffed_per_key():
    live = {"settings": {"host": "a.example", "port": 443, "path": "/old"}}
    desired = {"settings": {"host": "b.example", "port": 443, "retries": 3}}

    differences = diff_fields(CONNECTION, desired, live)

    assert differences == [
        Difference("settings.host", "a.example", "b.example"),
        Difference("settings.path", "/old", None),
        Difference("settings.retries", None, 3),
    ]


def test_a_changed_sensitive_field_carries_no_values():
    secrets = frozenset({"secret"})

    differences = diff_fields(CONNECTION, {"secret": "new"}, {"secret": "old"}, secrets)

    assert differences == [Difference("secret", None, None, sensitive=True)]


def test_a_sensitive_field_of_a_new_record_carries_no_value():
    secrets = frozenset({"secret"})

    differences = diff_fields(CONNECTION, {"name": "API", "secret": "s3cr3t"}, None, secrets)

    assert Difference("secret", None, None, sensitive=True) in differences
    assert "s3cr3t" not in repr(differences)


def test_an_env_value_inside_a_changed_mapping_field_carries_no_values():
    secrets = frozenset({"settings.token"})
    live = {"settings": {"host": "a.example", "token": "old-token"}}
    desired = {"settings": {"host": "a.example", "token": "new-token"}}

    differences = diff_fields(CONNECTION, desired, live, secrets)

    assert differences == [Difference("settings.token", None, None, sensitive=True)]


def test_an_env_value_inside_a_new_records_mapping_field_is_not_shown():
    secrets = frozenset({"settings.token"})
    desired = {"name": "API", "settings": {"host": "a.example", "token": "s3cr3t"}}

    differences = diff_fields(CONNECTION, desired, None, secrets)

    assert "s3cr3t" not in repr(differences)


def test_an_env_value_inside_an_added_child_item_is_not_shown():
    secrets = frozenset({"columns[1].description"})
    desired = {"columns": [{"name": "Todo"}, {"name": "Vault", "description": "s3cr3t"}]}

    differences = diff_fields(BOARD, desired, {"columns": [{"name": "Todo"}]}, secrets)

    assert "s3cr3t" not in repr(differences)
    assert [d.field for d in differences if d.sensitive] == ["columns[Vault]"]
