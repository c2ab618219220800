"""syncset.promotion.yamledit: in-place edits of round-trip YAML, and which strings need quotes."""

from __future__ import annotations

import io

import pytest

from syncset.config.yamlio import round_trip
from syncset.promotion.yamledit import merge_into, needs_quotes, yaml_safe


@pytest.mark.parametrize(
    "text", ["17:00", "08:00", "9:30", "yes", "On", "null", "~", "1e3", "0x1f"]
)
def test_strings_a_yaml_1_1_or_1_2_reader_would_misread_need_quotes(text):
    assert needs_quotes(text)


@pytest.mark.parametrize("text", ["Office Hours", "mon", "2026-12-25", "no way", "To Do"])
def test_ordinary_strings_and_dates_stay_plain(text):
    assert not needs_quotes(text)


def edited(text, key, value):
    document = round_trip().load(text)
    changed = merge_into(document, key, value)
    stream = io.StringIO()
    round_trip().dump(document, stream)
    return changed, stream.getvalue()


def test_an_equal_value_changes_nothing_and_says_so():
    text = 'hours:\n  - {weekday: mon, time_from: "08:00"}\n'
    assert edited(text, "hours", [{"weekday": "mon", "time_from": "08:00"}]) == (False, text)


def test_a_removed_child_removes_its_line_only():
    text = "columns:\n  - name: A  # first\n  - name: B\n  - name: C\n"
    changed, after = edited(text, "columns", [{"name": "A"}, {"name": "B"}])
    assert changed
    assert after == "columns:\n  - name: A  # first\n  - name: B\n"


def test_a_new_string_keeps_the_quote_style_of_the_one_it_replaces():
    changed, after = edited("name: 'Old'\n", "name", "New")
    assert (changed, after) == (True, "name: 'New'\n")


def test_small_flat_children_are_written_in_flow_style_larger_ones_in_block_style():
    stream = io.StringIO()
    round_trip().dump(
        yaml_safe(
            {"hours": [{"a": 1, "b": "10:00"}], "columns": [{"a": 1, "b": 2, "c": 3, "d": 4}]}
        ),
        stream,
    )
    assert stream.getvalue() == (
        'hours:\n  - {a: 1, b: "10:00"}\ncolumns:\n  - a: 1\n    b: 2\n    c: 3\n    d: 4\n'
    )
