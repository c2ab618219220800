"""``syncset graph``: the records' references as Mermaid or DOT, from YAML alone."""

from __future__ import annotations

import re

import pytest

from syncset.render.graph import changes_graph, mermaid
from syncset.workflow import plan_environment


@pytest.fixture
def examples(example, monkeypatch):
    """The shipped example environments (graph reads YAML only: no account is opened)."""
    monkeypatch.setenv("SYNCSET_ROOT", str(example))
    monkeypatch.chdir(example)


def edges(text: str) -> set[tuple[str, str, str, str]]:
    """Mermaid edges as (source, arrow, label, target) with node ids replaced by labels."""
    names = dict(re.findall(r'^\s+(n\d+)\["([^"]+)"\]$', text, re.MULTILINE))
    found = re.findall(r"^\s+(n\d+) (-->|-\.->)\|([^|]+)\| (n\d+)$", text, re.MULTILINE)
    return {(names[a], arrow, label, names[b]) for a, arrow, label, b in found}


def test_mermaid_draws_each_reference_with_its_field(examples, cli):
    result = cli("graph", "dev")

    assert result.code == 0, result.err
    assert result.out.startswith("flowchart LR\n")
    drawn = edges(result.out)
    assert (
        "scrum_workspace/application-development",
        "-->",
        "team",
        "team/application-development",
    ) in drawn
    assert (
        "team/application-development",
        "-.->",
        "work_hours",
        "calendar/app-dev-office-hours",
    ) in drawn
    assert (
        "agile_board/expense-reporting",
        "-.->",
        "columns.team",
        "team/application-development",
    ) in drawn


def test_reference_data_is_not_drawn(examples, cli):
    out = cli("graph", "dev").out

    assert "person" not in out and "@" not in out


def test_nodes_come_in_dependency_order(examples, cli):
    out = cli("graph", "dev", "--format", "mermaid").out
    order = re.findall(r'\["([^"]+)"\]', out)

    assert order.index("holiday/christmas-day-2026") < order.index("calendar/app-dev-office-hours")
    assert order.index("calendar/app-dev-office-hours") < order.index(
        "scrum_workspace/application-development"
    )


def test_a_sync_set_draws_only_its_closure(examples, cli):
    out = cli("graph", "dev", "--sync-set", "calendars").out

    assert set(re.findall(r'^\s+n\d+\["([^"]+)"\]', out, re.MULTILINE)) == {
        "calendar/app-dev-office-hours",
        "holiday/christmas-day-2026",
        "holiday/new-years-day-2027",
    }


def test_dot_is_a_digraph_with_dashed_optional_references(examples, cli):
    out = cli("graph", "dev", "--format", "dot").out

    assert out.startswith("digraph syncset {\n") and out.endswith("}\n")
    assert (
        '"scrum_workspace/application-development" -> "team/application-development" '
        '[label="team"];'
    ) in out
    assert (
        '"team/application-development" -> "calendar/app-dev-office-hours" '
        '[label="work_hours", style=dashed];'
    ) in out


def test_without_an_environment_the_start_of_the_promotion_chain_is_drawn(repo, cli):
    repo.add_environment("alpha", extra="promotes_from: dev\n")
    repo.write("environments/dev/teams/only-in-dev.yaml", "kind: team\nid: only-in-dev\nname: D\n")

    out = cli("graph").out

    assert '["team/only-in-dev"]' in out


def test_an_environment_without_records_draws_an_empty_graph(repo, cli):
    assert cli("graph", "dev").out == 'flowchart LR\n  empty["(no records)"]\n'


def test_the_graph_of_changes_styles_records_by_action_and_shows_what_they_need(repo, cli):
    repo.write(
        "environments/dev/holidays/h.yaml",
        "kind: holiday\nid: h\nname: H\nstart_at: 2027-01-01\nend_at: 2027-01-01\n",
    )
    repo.write(
        "environments/dev/calendars/c.yaml",
        "kind: calendar\nid: c\nname: C\nholidays: [h]\n",
    )
    assert cli("apply", "dev", "--auto-approve", "--kind", "holiday").code == 0
    run = plan_environment(repo.root, "dev")
    try:
        out = mermaid(changes_graph(run.environment, run.plan))
    finally:
        run.provider.close()

    assert edges(out) == {("calendar/c", "-.->", "holidays", "holiday/h")}
    assert "classDef create fill:#dafbe1,stroke:#1a7f37" in out
    ids = dict(re.findall(r'^\s+(n\d+)\["([^"]+)"\]$', out, re.MULTILINE))
    created = re.search(r"class (n\d+) create", out)
    assert created is not None and ids[created.group(1)] == "calendar/c"


def test_mermaid_groups_the_nodes_in_a_subgraph_per_kind(examples, cli):
    out = cli("graph", "dev").out

    groups = re.findall(
        r'^  subgraph kind_(\w+)\["(\w+)"\]\n((?:    .*\n)+)  end$', out, re.MULTILINE
    )
    assert {kind for kind, _, _ in groups} == {
        "agile_board",
        "calendar",
        "holiday",
        "product_backlog",
        "scrum_workspace",
        "team",
    }
    for kind, title, body in groups:
        assert title == kind
        assert all(label.startswith(f"{kind}/") for label in re.findall(r'\["([^"]+)"\]', body))
