"""Reference data through the mapping overlay, end to end: Being Prepared until all are mapped."""

from __future__ import annotations

import json

import pytest
from plan_apply_helpers import (
    copy_seed,
    load_people,
    make_plan,
    pending,
    row_of,
    seed_people,
)

from syncset.plan.model import PlanStatus

MAPPINGS = """
version: 1
references:
  person:
    rodney.wilson@wdc.example: ander.alkin@widget.example
    frank.watson@wdc.example: frank.watson@widget.example
"""


@pytest.fixture
def qa(repo):
    """The seed's records promoted to qa, whose account has Widget Europe's people."""
    copy_seed(repo.root)
    load_people(repo.root, seed_people("widget-europe-people"), env="qa")
    return repo


def test_unmapped_people_make_the_plan_being_prepared_with_every_use_listed(qa, cli):
    result = cli("plan", "qa", "--format", "json")

    plan = json.loads(result.out)
    assert plan["status"] == "being_prepared"
    unmapped = {u["value"]: u for u in plan["unmapped"]}
    assert sorted(unmapped) == ["frank.watson@wdc.example", "rodney.wilson@wdc.example"]
    assert unmapped["rodney.wilson@wdc.example"]["kind"] == "person"
    assert sorted(
        (use["record"], use["field"]) for use in unmapped["rodney.wilson@wdc.example"]["used_by"]
    ) == [
        ("agile_board/expense-reporting", "manager"),
        ("product_backlog/expense-reporting", "product_owner"),
        ("team/application-development", "manager"),
    ]
    assert unmapped["frank.watson@wdc.example"]["used_by"] == [
        {"record": "team/application-development", "field": "coordinator"}
    ]


def test_a_value_that_exists_unchanged_in_the_account_is_mapped_automatically(qa):
    load_people(
        qa.root,
        "kind: person\nid: frank\nname: Frank Watson\nprimary_email: frank.watson@wdc.example\n",
        env="qa",
    )
    plan = make_plan(qa.root, "qa")

    frank = [m for m in plan.mappings if m.value == "frank.watson@wdc.example"]
    assert [(m.state, m.target) for m in frank] == [("automatic", "frank.watson@wdc.example")]


def test_being_prepared_is_shown_in_text_and_markdown(qa, cli):
    text = cli("plan", "qa").out
    markdown = cli("plan", "qa", "--format", "markdown").out

    assert "Being Prepared" in text.splitlines()[0]
    assert "Unmapped references (map them in mappings.yaml):" in text
    assert (
        "person rodney.wilson@wdc.example  used by agile_board/expense-reporting.manager, "
        "product_backlog/expense-reporting.product_owner, team/application-development.manager"
    ) in text
    assert "⏳ **Being Prepared**: 2 references to map before apply" in markdown
    assert (
        "| person | `frank.watson@wdc.example` | `team/application-development.coordinator` |"
        in markdown
    )


def test_the_plan_is_prepared_once_every_value_is_mapped(qa, cli):
    qa.write("environments/qa/mappings.yaml", MAPPINGS)

    plan = make_plan(qa.root, "qa")

    assert plan.status is PlanStatus.PREPARED
    assert plan.unmapped == ()
    states = {m.value: (m.state, m.target) for m in plan.mappings}
    assert states == {
        "frank.watson@wdc.example": ("mapped", "frank.watson@widget.example"),
        "rodney.wilson@wdc.example": ("mapped", "ander.alkin@widget.example"),
    }
    assert "✅ **Prepared**: ready to apply" in cli("plan", "qa", "--format", "markdown").out


def test_apply_writes_the_mapped_people_and_the_next_plan_has_no_changes(qa, cli):
    qa.write("environments/qa/mappings.yaml", MAPPINGS)

    assert cli("apply", "qa", "--auto-approve").code == 0

    ander = row_of(qa.root, "person", "ander.alkin@widget.example", env="qa")
    frank = row_of(qa.root, "person", "frank.watson@widget.example", env="qa")
    team = row_of(qa.root, "team", "Application Development", env="qa")
    assert team["data"]["manager"] == ander["live_id"]
    assert team["data"]["coordinator"] == frank["live_id"]
    assert pending(make_plan(qa.root, "qa")) == {}


def test_a_mapping_target_missing_from_the_account_is_an_error_naming_mappings_yaml(qa, cli):
    qa.write(
        "environments/qa/mappings.yaml",
        MAPPINGS.replace("ander.alkin@widget.example", "nobody@widget.example"),
    )

    result = cli("plan", "qa")

    assert result.code == 1
    assert result.err.startswith("error: environments/qa/mappings.yaml:4:32: ")
    assert "person 'nobody@widget.example' does not exist in the account" in result.err
    assert "syncset map --suggest" in result.err
