"""Writing a 4me/Xurrent account: mutations with variables, payload errors, children, removal."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fake_sites import XurrentSite

from syncset.errors import WriteRejected
from syncset.providers.base import Marker


def test_create_carries_the_marker_and_references_as_input_ids(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    person = site.account.seed("Person", name="Ander", primaryEmail="ander@widget.example")
    provider = site.provider()
    calendar = provider.create("calendar", {"name": "Office hours"}, Marker("syncset", "office"))

    team = provider.create(
        "team",
        {"name": "Ops", "work_hours": calendar.live_id, "members": [person], "manager": person},
        Marker("syncset", "ops"),
    )

    stored = site.account.records[team.live_id]
    assert (stored["source"], stored["sourceID"]) == ("syncset", "ops")
    assert stored["workHours"] == calendar.live_id
    assert stored["members"] == [person]
    assert team.fields["work_hours"] == calendar.live_id
    assert team.fields["members"] == [person]
    assert team.marker == Marker("syncset", "ops")
    assert site.account.counters["spliced"] == 0


def test_values_with_quotes_and_braces_travel_as_variables(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    provider = site.provider()
    name = 'He said "hi" } { \\ $input'

    created = provider.create("ui_extension", {"name": name, "category": "request"}, None)

    assert created.fields["name"] == name
    assert site.account.counters["spliced"] == 0
    assert all(name not in query for query in site.account.queries)


def test_a_duplicate_name_is_rejected_and_names_the_yaml_field(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    site.account.seed("Calendar", name="Office hours", disabled=True)
    provider = site.provider()

    with pytest.raises(WriteRejected) as rejected:
        provider.create("calendar", {"name": "Office hours"}, Marker("syncset", "office"))

    assert rejected.value.field == "name"
    assert "has already been taken" in str(rejected.value)


def test_an_unknown_reference_is_rejected_with_its_snake_case_field(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    provider = site.provider()

    with pytest.raises(WriteRejected) as rejected:
        provider.create("team", {"name": "Ops", "work_hours": "Z2lkOi8vbm9wZQ=="}, None)

    assert rejected.value.field == "work_hours"


def test_calendar_hours_are_changed_through_new_and_to_delete_keeping_unchanged_ids(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    provider = site.provider()
    monday = {"weekday": "monday", "time_from": "09:00", "time_until": "17:00"}
    tuesday = {"weekday": "tuesday", "time_from": "09:00", "time_until": "17:00"}
    created = provider.create("calendar", {"name": "Office", "hours": [monday, tuesday]}, None)
    ids = {h["weekday"]: h["id"] for h in created.fields["hours"]}

    longer_tuesday = {**tuesday, "time_until": "18:00"}
    wednesday = {**monday, "weekday": "wednesday"}
    updated = provider.update(
        "calendar", created.live_id, {"hours": [monday, longer_tuesday, wednesday]}
    )

    hours = {h["weekday"]: h for h in updated.fields["hours"]}
    assert hours["monday"]["id"] == ids["monday"], "an unchanged item keeps its id"
    assert hours["tuesday"]["id"] != ids["tuesday"], "a changed hour is replaced"
    assert hours["tuesday"]["time_until"] == "18:00"
    assert set(hours) == {"monday", "tuesday", "wednesday"}
    mutation = site.account.queries[-1]
    assert "calendarUpdate" in mutation

    again = provider.update("calendar", created.live_id, {"hours": [monday]})
    assert [h["id"] for h in again.fields["hours"]] == [ids["monday"]]


def test_board_columns_are_updated_in_place_reordered_and_removed(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    provider = site.provider()
    columns = [
        {"name": "Todo", "position": 1},
        {"name": "Doing", "position": 2, "wip_limit": 3},
        {"name": "Done", "position": 3, "action_type": "complete"},
    ]
    board = provider.create("agile_board", {"name": "Delivery", "columns": columns}, None)
    ids = {c["name"]: c["id"] for c in board.fields["columns"]}

    reordered = [
        {"name": "Done", "position": 1, "action_type": "complete"},
        {"name": "Doing", "position": 2, "wip_limit": 5},
    ]
    updated = provider.update("agile_board", board.live_id, {"columns": reordered})

    assert [c["name"] for c in updated.fields["columns"]] == ["Done", "Doing"]
    assert {c["name"]: c["id"] for c in updated.fields["columns"]} == {
        "Done": ids["Done"],
        "Doing": ids["Doing"],
    }
    assert updated.fields["columns"][1]["wip_limit"] == 5


def test_removal_disables_and_delete_is_refused(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    provider = site.provider()
    team = provider.create("team", {"name": "Ops"}, Marker("syncset", "ops"))

    provider.remove("team", team.live_id, "disable")
    with pytest.raises(WriteRejected, match="cannot delete"):
        provider.remove("team", team.live_id, "delete")

    assert provider.capabilities.removal == "disable"
    assert site.account.records[team.live_id]["disabled"] is True
    found = provider.find_by_marker("team", Marker("syncset", "ops"))
    assert found is not None and found.disabled
    assert provider.get("team", team.live_id) == found


def test_find_by_marker_works_without_a_filter_by_scanning_pages(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    for i in range(150):
        site.account.seed("Team", name=f"T{i}", source="syncset", sourceID=f"t{i}")
    provider = site.provider(marker_filter=False)

    found = provider.find_by_marker("team", Marker("syncset", "t149"))
    missing = provider.find_by_marker("team", Marker("other-tool", "t149"))

    assert found is not None and found.fields["name"] == "T149"
    assert missing is None
