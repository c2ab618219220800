"""Dependency order as data: waves, cycles broken by deferring optional references, removals."""

from __future__ import annotations

import pytest

from syncset.errors import ConfigError
from syncset.plan.order import Edge, Order, order_records

CAL = ("calendar", "office")
HOL = ("holiday", "xmas")
TEAM = ("team", "dev")
BOARD = ("agile_board", "sprint")
BACKLOG = ("product_backlog", "expenses")
WORKSPACE = ("scrum_workspace", "dev")


def test_records_without_references_form_one_wave_sorted_by_kind_and_id():
    order = order_records([TEAM, CAL, HOL], [])

    assert order.waves == ((("calendar", "office"), ("holiday", "xmas"), ("team", "dev")),)
    assert order.deferred == frozenset()


def test_a_record_comes_in_a_wave_after_every_record_it_references():
    edges = [
        Edge(CAL, HOL, "holidays", False),
        Edge(TEAM, CAL, "work_hours", False),
        Edge(WORKSPACE, TEAM, "team", True),
        Edge(WORKSPACE, BACKLOG, "product_backlog", True),
    ]

    order = order_records([WORKSPACE, TEAM, CAL, HOL, BACKLOG], edges)

    assert order.waves == ((HOL, BACKLOG), (CAL,), (TEAM,), (WORKSPACE,))
    waves = order.wave_of()
    for edge in edges:
        assert waves[edge.source] > waves[edge.target]


def test_a_cycle_is_broken_by_deferring_an_optional_reference():
    # A team points at its board; the board's columns point back at the team.
    edges = [Edge(TEAM, BOARD, "agile_board", False), Edge(BOARD, TEAM, "columns", False)]

    order = order_records([TEAM, BOARD], edges)

    assert order.deferred == frozenset({(BOARD, "columns")})
    assert order.waves == ((BOARD,), (TEAM,))


def test_the_deferred_reference_is_the_same_whatever_order_the_edges_come_in():
    edges = [
        Edge(TEAM, BOARD, "agile_board", False),
        Edge(BOARD, TEAM, "columns", False),
        Edge(WORKSPACE, TEAM, "team", True),
        Edge(WORKSPACE, BOARD, "agile_board", True),
    ]

    first = order_records([TEAM, BOARD, WORKSPACE], edges)
    second = order_records([WORKSPACE, BOARD, TEAM], list(reversed(edges)))

    assert first == second


def test_a_required_reference_is_never_deferred_when_an_optional_one_breaks_the_cycle():
    edges = [Edge(WORKSPACE, TEAM, "team", True), Edge(TEAM, WORKSPACE, "agile_board", False)]

    order = order_records([TEAM, WORKSPACE], edges)

    assert order.deferred == frozenset({(TEAM, "agile_board")})
    assert order.waves == ((TEAM,), (WORKSPACE,))


def test_a_cycle_of_required_references_is_one_stable_error_naming_records_and_fields():
    edges = [Edge(TEAM, WORKSPACE, "workspace", True), Edge(WORKSPACE, TEAM, "team", True)]

    with pytest.raises(ConfigError) as first:
        order_records([TEAM, WORKSPACE], edges)
    with pytest.raises(ConfigError) as second:
        order_records([WORKSPACE, TEAM], list(reversed(edges)))

    message = str(first.value)
    assert message == str(second.value)
    assert "reference cycle of required fields" in message
    assert "scrum_workspace/dev → team/dev" in message
    assert "scrum_workspace.team" in message
    assert "team.workspace" in message


def test_self_references_and_references_outside_the_records_do_not_order_anything():
    edges = [
        Edge(TEAM, TEAM, "agile_board", False),
        Edge(TEAM, ("calendar", "not-declared"), "work_hours", False),
    ]

    order = order_records([TEAM], edges)

    assert order.waves == ((TEAM,),)
    assert order.deferred == frozenset()


def test_reference_edges_come_once_each_sorted_by_source_field_path_and_target():
    from syncset.plan.order import reference_edges

    records = {
        WORKSPACE: {"team": "dev", "product_backlog": "expenses", "agile_board": "sprint"},
        BOARD: {"columns": [{"name": "To Do"}, {"name": "Doing", "team": "dev"}, {"team": "dev"}]},
        TEAM: {"work_hours": "office"},
        CAL: {"holidays": ["xmas", "missing"]},
        HOL: {},
        BACKLOG: {},
    }

    edges = [(e.source, e.field, e.path, e.target) for e in reference_edges(records)]

    assert edges == [
        (BOARD, "columns", "columns.team", TEAM),
        (CAL, "holidays", "holidays", HOL),
        (WORKSPACE, "agile_board", "agile_board", BOARD),
        (WORKSPACE, "product_backlog", "product_backlog", BACKLOG),
        (WORKSPACE, "team", "team", TEAM),
        (TEAM, "work_hours", "work_hours", CAL),
    ]


def test_each_records_deferred_fields_come_sorted_by_record():
    order = Order((), frozenset({(BOARD, "manager"), (BOARD, "columns"), (TEAM, "agile_board")}))

    assert order.deferred_of() == {BOARD: ("columns", "manager"), TEAM: ("agile_board",)}
