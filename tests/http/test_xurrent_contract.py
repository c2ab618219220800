"""Contract: every operation the xurrent provider can send is valid against the fake's schema.

The fake's SDL (``xurrent_sdl``) is written from XURRENT_SCHEMA.md, never from the catalog, so
this is the test that fails when the provider asks for a name the real API lacks: it validates
every text of every kind (list, marker look-up, node, the next page of each nested connection,
create, update) with graphql-core, and looks up every input field and enum value the provider
may put in the variables, which the query text does not show. It does so for each kind of
deployment: with and without hour ids, with and without ``requestTemplate`` on boards and
backlogs, with and without ``darkModeSafe``. The second test proves the list is complete: every
text the provider sent while reading and writing a whole scrum set is one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fake_sites import XurrentSite
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    build_schema,
    get_named_type,
    parse,
    validate,
)
from xurrent_sdl import sdl

from syncset.providers.base import Marker
from syncset.providers.xurrent.queries import (
    RATE_LIMIT_QUERY,
    TYPE_MAPS,
    Operation,
    build_type_map,
    operations,
)
from syncset.schemas import CATALOG

OLD_BOARDS = {
    "agile_board": {"request_template": "before 2025-11"},
    "product_backlog": {"request_template": "before 2025-11"},
}
NO_DARK_MODE = (
    "UiExtension.darkModeSafe",
    *(f"UiExtension{a}Input.darkModeSafe" for a in ("Create", "Update")),
)

DEPLOYMENTS = {
    "newest, no hour ids": ({"hour_ids": False}, {}),
    "newest, hour ids": ({"hour_ids": True}, {}),
    "before 2025-11": (
        {"hour_ids": False, "request_template_on_boards": False},
        OLD_BOARDS,
    ),
    "before 2025-11, hour ids, no darkModeSafe": (
        {"hour_ids": True, "request_template_on_boards": False, "without": NO_DARK_MODE},
        {**OLD_BOARDS, "ui_extension": {"dark_mode_safe": "older"}},
    ),
}
"""Fake schema variant → the fields the provider leaves out on such a deployment."""


def provider_operations(hour_ids: bool, left_out: dict[str, dict[str, str]]) -> list[Any]:
    return [
        (kind, op)
        for kind in TYPE_MAPS
        for marker_filter in (True, False)
        for op in operations(
            build_type_map(CATALOG[kind], hour_ids, left_out.get(kind)), marker_filter
        )
    ]


def problems(schema: Any, op: Operation) -> list[str]:
    found = [error.message for error in validate(schema, parse(op.text))]
    for type_name, names in op.inputs.items():
        input_type = schema.type_map.get(type_name)
        if not isinstance(input_type, GraphQLInputObjectType):
            found.append(f"no input type {type_name}")
            continue
        found += [f"{type_name} has no {name}" for name in names if name not in input_type.fields]
    for (type_name, name), values in op.enums.items():
        enum = get_named_type(schema.type_map[type_name].fields[name].type)  # type: ignore[union-attr]
        assert isinstance(enum, GraphQLEnumType), f"{type_name}.{name} is not an enum"
        found += [f"{enum.name} has no {value!r}" for value in values if value not in enum.values]
    return found


@pytest.mark.parametrize("deployment", sorted(DEPLOYMENTS))
def test_every_operation_of_every_kind_is_valid_against_the_documented_schema(
    deployment: str,
) -> None:
    options, left_out = DEPLOYMENTS[deployment]
    schema = build_schema(sdl(**options))

    invalid = {
        f"{kind} {op.purpose}: {problem}"
        for kind, op in provider_operations(options["hour_ids"], left_out)
        for problem in problems(schema, op)
    }

    assert sorted(invalid) == []


def test_the_operations_checked_are_every_text_the_provider_sends(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site()
    provider = site.provider()
    person = site.account.seed("Person", name="Ander", primaryEmail="ander@widget.example")
    for kind in TYPE_MAPS:
        provider.list(kind)
    holiday = provider.create(
        "holiday",
        {"name": "Xmas", "start_at": "2026-12-25T00:00:00Z", "end_at": "2026-12-26T00:00:00Z"},
        Marker("syncset", "xmas"),
    )
    hours = [{"weekday": "mon", "time_from": "09:00", "time_until": "17:00"}]
    calendar = provider.create(
        "calendar", {"name": "Office", "holidays": [holiday.live_id], "hours": hours}, None
    )
    team = provider.create(
        "team", {"name": "Ops", "work_hours": calendar.live_id, "manager": person}, None
    )
    board = provider.create(
        "agile_board", {"name": "Board", "columns": [{"name": "To Do", "team": team.live_id}]}, None
    )
    provider.update("agile_board", board.live_id, {"columns": [{"name": "Done", "position": 1}]})
    provider.create("ui_extension", {"name": "UI", "category": "team", "html": "<p/>"}, None)
    provider.find_by_marker("holiday", Marker("syncset", "xmas"))
    provider.get("team", team.live_id)

    known = {op.text for _, op in provider_operations(False, {})} | {RATE_LIMIT_QUERY}
    sent = set(site.account.queries)
    assert sent - known == set()
    assert len(sent) >= 15
    assert site.account.counters["invalid"] == 0
