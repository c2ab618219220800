"""The promotion links as a tree: chains, branches, environments promoted from outside the
selection, and circles (pure: views made as data)."""

from __future__ import annotations

from syncset.fleet import EnvironmentView, promotion_tree
from syncset.render.fleet import tree_lines


def lines(*links: tuple[str, str | None]) -> list[str]:
    return tree_lines(promotion_tree([EnvironmentView(name, parent) for name, parent in links]))


def test_a_straight_run_is_one_chain_and_a_branch_point_splits():
    assert lines(
        ("dev", None),
        ("qa", "dev"),
        ("prod", "qa"),
        ("customers/acme", "prod"),
        ("customers/globex", "prod"),
        ("customers/globex-eu", "customers/globex"),
        ("sandbox", None),
    ) == [
        "dev → qa → prod",
        "├─ customers/acme",
        "└─ customers/globex → customers/globex-eu",
        "sandbox",
    ]


def test_nested_branches_keep_their_guide_lines():
    assert lines(("dev", None), ("a", "dev"), ("a1", "a"), ("a2", "a"), ("b", "dev")) == [
        "dev",
        "├─ a",
        "│  ├─ a1",
        "│  └─ a2",
        "└─ b",
    ]


def test_an_environment_promoted_from_one_not_shown_says_from_where():
    assert lines(("customers/acme", "prod"), ("customers/acme-test", "customers/acme")) == [
        "(prod →) customers/acme → customers/acme-test"
    ]


def test_a_circle_is_shown_once_and_marked():
    assert lines(("qa", "prod"), ("prod", "qa"), ("dev", None)) == [
        "dev",
        "qa → prod → qa (cycle)",
    ]
