"""Writing a 4me/Xurrent account: mutations with variables, payload errors, children, removal."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fake_sites import XurrentSite

from syncset.errors import ProviderError, WriteRejected
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

    created = provider.create("ui_extension", {"name": name, "category": "request_template"}, None)

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


MONDAY = {"weekday": "mon", "time_from": "09:00", "time_until": "17:00"}
TUESDAY = {"weekday": "tue", "time_from": "09:00", "time_until": "17:00"}


def test_with_hour_ids_changed_hours_are_deleted_by_id_and_unchanged_ones_keep_theirs(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site(hour_ids=True)
    provider = site.provider()
    created = provider.create("calendar", {"name": "Office", "hours": [MONDAY, TUESDAY]}, None)
    ids = {h["weekday"]: h["id"] for h in created.fields["hours"]}

    longer_tuesday = {**TUESDAY, "time_until": "18:00"}
    wednesday = {**MONDAY, "weekday": "wed"}
    updated = provider.update(
        "calendar", created.live_id, {"hours": [MONDAY, longer_tuesday, wednesday]}
    )

    hours = {h["weekday"]: h for h in updated.fields["hours"]}
    assert hours["mon"]["id"] == ids["mon"], "an unchanged item keeps its id"
    assert hours["tue"]["id"] != ids["tue"], "a changed hour is replaced"
    assert hours["tue"]["time_until"] == "18:00"
    assert set(hours) == {"mon", "tue", "wed"}
    sent = site.account.variables[-1]["input"]
    assert sent["calendarHoursToDelete"] == [ids["tue"]]
    assert [h["weekday"] for h in sent["newCalendarHours"]] == ["tue", "wed"]

    again = provider.update("calendar", created.live_id, {"hours": [MONDAY]})
    assert [h["id"] for h in again.fields["hours"]] == [ids["mon"]]


def test_without_hour_ids_the_whole_set_is_sent_and_an_account_that_replaces_converges(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site(new_hours_replace=True)
    provider = site.provider()
    created = provider.create("calendar", {"name": "Office", "hours": [MONDAY, TUESDAY]}, None)
    whole_day = {"weekday": "sat", "time_from": "00:00", "time_until": "24:00"}

    updated = provider.update("calendar", created.live_id, {"hours": [TUESDAY, whole_day]})

    assert updated.fields["hours"] == [TUESDAY, whole_day]
    sent = site.account.variables[-1]["input"]
    assert "calendarHoursToDelete" not in sent
    assert len(sent["newCalendarHours"]) == 2
    assert "id" not in site.account.queries[-1].split("calendarHours")[1].split("}")[0]


def test_without_hour_ids_an_account_that_appends_is_reported_and_not_written_again(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site(new_hours_replace=False)
    provider = site.provider()
    created = provider.create("calendar", {"name": "Office", "hours": [MONDAY]}, None)

    with pytest.raises(ProviderError) as appended:
        provider.update("calendar", created.live_id, {"hours": [TUESDAY]})
    updates = site.account.counters["update:Calendar"]
    with pytest.raises(ProviderError) as refused:
        site.provider().update("calendar", created.live_id, {"hours": [TUESDAY]})

    message = str(appended.value)
    assert "this account's schema has no CalendarHour.id" in message
    assert "it kept 1 old hours besides the 1 sent (mon 09:00 17:00)" in message
    assert "remove the extra hours by hand in Xurrent" in message
    assert "pin them" in message
    assert "earlier run" in str(refused.value)
    assert site.account.counters["update:Calendar"] == updates, "no second write of hours"
    stored = site.account.records[created.live_id]["calendarHours"]
    assert sorted(h["weekday"] for h in stored) == ["mon", "tue"]


def test_a_ui_extensions_content_becomes_a_new_active_version_with_the_rest_kept(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    provider = site.provider()
    fields = {"name": "Fields", "category": "request_template", "html": "<p>1</p>", "css": "p {}"}
    created = provider.create("ui_extension", fields, None)

    updated = provider.update("ui_extension", created.live_id, {"html": "<p>2</p>"})

    assert site.account.variables[-1]["input"] == {
        "id": created.live_id,
        "html": "<p>2</p>",
        "css": "p {}",
        "activate": True,
    }
    assert (updated.fields["html"], updated.fields["css"]) == ("<p>2</p>", "p {}")
    versions = site.account.records[created.live_id]["versions"]
    assert [v["status"] for v in versions] == ["archived", "active"]


def test_a_ui_extensions_category_is_never_sent_on_an_update(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    provider = site.provider()
    created = provider.create("ui_extension", {"name": "F", "category": "team"}, None)
    writes = len(site.account.variables)

    with pytest.raises(WriteRejected, match="category is set on create only") as refused:
        provider.update("ui_extension", created.live_id, {"category": "person"})

    assert refused.value.field == "category"
    assert len(site.account.variables) == writes


def test_board_columns_are_updated_in_place_reordered_and_removed(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    provider = site.provider()
    columns = [
        {"name": "Todo", "position": 1},
        {"name": "Doing", "position": 2, "wip_limit": 3},
        {"name": "Done", "position": 3, "action_type": "complete", "dialog_type": "minimal"},
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
