"""Reading a 4me/Xurrent account: pages of 100, only declared fields, children with the parent."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from fake_sites import XurrentSite
from graphql import FieldNode, OperationDefinitionNode, parse

from syncset.errors import WriteRejected
from syncset.providers.base import Marker
from syncset.schemas import CATALOG

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def seed_plan_sized_account(site: XurrentSite, counts: dict[str, int]) -> None:
    account = site.account
    holidays = [
        account.seed(
            "Holiday",
            name=f"Holiday {i}",
            startAt="2026-12-25T00:00:00+00:00",
            endAt="2026-12-26T00:00:00+00:00",
            source="syncset",
            sourceID=f"holiday-{i}",
        )
        for i in range(counts["Holiday"])
    ]
    for i in range(counts["Calendar"]):
        hours = [
            {"id": f"h{i}-{d}", "weekday": day, "timeFrom": "09:00", "timeUntil": "17:00"}
            for d, day in enumerate(WEEKDAYS[:5])
        ]
        account.seed(
            "Calendar",
            name=f"Calendar {i}",
            holidays=holidays[i % len(holidays) : i % len(holidays) + 2],
            calendarHours=hours,
            disabled=i % 10 == 0,
        )
    for i in range(counts["Team"]):
        account.seed("Team", name=f"Team {i}", remarks=f"team number {i}")
    for i in range(counts["AgileBoard"]):
        columns = [
            {"id": f"c{i}-{p}", "name": name, "position": p, "actionType": "none"}
            for p, name in enumerate(["Todo", "Doing", "Done"], start=1)
        ]
        account.seed("AgileBoard", name=f"Board {i}", columns=columns)


def test_listing_1000_records_of_4_kinds_costs_ceil_n_over_100_requests_per_kind_and_one_token(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    counts = {"Calendar": 250, "Holiday": 150, "Team": 400, "AgileBoard": 200}
    seed_plan_sized_account(site, counts)
    provider = site.provider()

    listed = {kind: provider.list(kind) for kind in ("calendar", "holiday", "team", "agile_board")}

    seen = site.account.counters
    assert seen["list:calendars"] == math.ceil(250 / 100) == 3
    assert seen["list:holidays"] == 2
    assert seen["list:teams"] == 4
    assert seen["list:agileBoards"] == 2
    assert seen["token"] == 1
    assert seen["schema"] == 1, "the account's schema, fetched once"
    assert seen["requests"] == 12, "the schema and the list pages (no node(id:) look-ups)"
    assert provider.stats.calls == 12
    assert provider.stats.budget_remaining == 3600 - 12
    assert [len(listed[k]) for k in listed] == [250, 150, 400, 200]
    disabled = [r for r in listed["calendar"] if r.disabled]
    assert len(disabled) == 25, "disabled records are in the account's own records too"
    first = listed["calendar"][0]
    assert [h["weekday"] for h in first.fields["hours"]] == WEEKDAYS[:5]
    assert first.fields["hours"][0] == {
        "weekday": "mon",
        "time_from": "09:00",
        "time_until": "17:00",
    }
    assert all("view:" not in query for query in site.account.queries)
    assert len(first.fields["holidays"]) == 2
    holiday = listed["holiday"][0]
    assert holiday.fields["start_at"] == "2026-12-25T00:00:00Z", "timestamps normalised to UTC Z"
    assert holiday.marker == Marker("syncset", "holiday-0")
    board = listed["agile_board"][0]
    assert [c["name"] for c in board.fields["columns"]] == ["Todo", "Doing", "Done"]
    assert site.account.counters["invalid"] == 0


def test_children_and_list_references_beyond_one_page_are_read_through_node(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site(hour_ids=True)
    account = site.account
    hours = [
        {"id": f"h{n}", "weekday": WEEKDAYS[n % 7], "timeFrom": f"{n // 7:02d}:00"}
        | {"timeUntil": f"{n // 7:02d}:30"}
        for n in range(7 * 24)
    ]
    account.seed("Calendar", name="Round the clock", calendarHours=hours)
    people = [
        account.seed("Person", name=f"P {i}", primaryEmail=f"P{i}@Widget.example")
        for i in range(250)
    ]
    account.seed("Team", name="Everyone", members=people)
    provider = site.provider()

    (calendar,) = provider.list("calendar")
    (team,) = provider.list("team")

    assert len(calendar.fields["hours"]) == 168
    assert [h["id"] for h in calendar.fields["hours"]] == [h["id"] for h in hours]
    assert team.fields["members"] == people
    assert account.counters["query:node"] == 1 + 2, "hours: 1 more page; members: 2 more pages"
    assert account.counters["list:calendars"] == 1
    assert account.counters["invalid"] == 0


def test_reads_select_exactly_the_fields_the_kind_declares(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    provider = site.provider()
    provider.list("calendar")

    document = parse(site.account.queries[-1])
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    connection = operation.selection_set.selections[0]
    assert isinstance(connection, FieldNode) and connection.selection_set is not None
    nodes = connection.selection_set.selections[0]
    assert isinstance(nodes, FieldNode) and nodes.selection_set is not None
    selected = {s.name.value for s in nodes.selection_set.selections if isinstance(s, FieldNode)}
    declared = {"name", "disabled", "holidays", "calendarHours"}
    assert selected == declared | {"id", "source", "sourceID"}
    assert "createdAt" not in selected
    assert set(CATALOG["calendar"].fields) == {"name", "disabled", "holidays", "hours"}


def test_a_ui_extensions_content_is_read_from_its_active_version(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    site.account.seed(
        "UiExtension",
        name="Expense fields",
        category="request_template",
        versions=[
            {"html": "<p>old</p>", "status": "archived", "versionNr": 1},
            {"html": "<p>live</p>", "css": "p {}", "status": "active", "versionNr": 2},
            {"html": "<p>draft</p>", "status": "being_prepared", "versionNr": 3},
        ],
    )
    provider = site.provider()

    (extension,) = provider.list("ui_extension")

    assert (extension.fields["html"], extension.fields["css"]) == ("<p>live</p>", "p {}")
    assert extension.fields["category"] == "request_template"
    assert "activeVersion { html css javascript formDefinition }" in site.account.queries[-1]


def test_reference_data_is_listed_by_primary_email_but_never_written(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    organization = site.account.seed("Organization", name="Widget Data Center")
    site.account.seed(
        "Person", name="Rodney", primaryEmail="Rodney.Wilson@WDC.example", organization=organization
    )
    provider = site.provider()

    (person,) = provider.list("person")

    assert person.fields["primary_email"] == "rodney.wilson@wdc.example"
    assert person.fields["organization"] == organization
    assert not provider.capabilities.writes_reference_data
    with pytest.raises(WriteRejected, match="reference data"):
        provider.create("person", {"name": "X", "primary_email": "x@y.example"}, None)
    assert site.account.counters["requests"] == 2, "the schema and the list, no write"
