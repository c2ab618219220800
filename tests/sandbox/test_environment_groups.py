"""Grouped environments (``environments/customers/acme/``) and selecting them by glob.

An environment is a folder holding ``environment.yaml``, named by its path below
``environments/``; a folder without one is a group. Everything kept per environment (lock,
journal, saved plans) is one path component built from the name, so no name leads outside.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from syncset.apply.journal import journal_dir
from syncset.apply.lock import lock_path
from syncset.ci.plan import promotion_order, saved_plan_names, saved_plan_path
from syncset.config.load import environment_folder, environment_names, select_environments
from syncset.errors import RefusedError, RepositoryError

TEAM = "kind: team\nid: {id}\nname: {name}\n"


@pytest.fixture
def fleet(repo):
    """dev, and two customers in a group (one of them with a nested group of its own)."""
    repo.add_environment("customers/acme", extra="promotes_from: dev\n")
    repo.add_environment("customers/globex", extra="promotes_from: 'dev'  # the template\n")
    repo.add_environment("customers/eu/initech", extra="promotes_from: customers/acme\n")
    for env in ("dev", "customers/acme", "customers/globex", "customers/eu/initech"):
        repo.write(f"environments/{env}/teams/a.yaml", TEAM.format(id="a", name="A"))
    return repo


def test_a_folder_with_environment_yaml_is_an_environment_named_by_its_path(fleet):
    assert environment_names(fleet.root) == [
        "customers/acme",
        "customers/eu/initech",
        "customers/globex",
        "dev",
    ]


def test_an_environment_inside_another_is_refused_with_what_to_do(fleet, cli):
    fleet.add_environment("customers/acme/branch")

    with pytest.raises(RepositoryError) as caught:
        environment_names(fleet.root)
    result = cli("validate")

    message = str(caught.value)
    assert message.startswith(
        "environments/customers/acme/branch/environment.yaml: environment "
        "'customers/acme/branch' lies inside environment 'customers/acme'"
    )
    assert "move customers/acme/branch out of environments/customers/acme/" in message
    assert result.code == 1
    assert result.err == f"error: {message}\n"


@pytest.mark.parametrize(
    ("patterns", "selected"),
    [
        (["customers/*"], ["customers/acme", "customers/globex"]),
        (["*"], ["dev"]),
        (["customers/**"], ["customers/acme", "customers/eu/initech", "customers/globex"]),
        (["customers/?cme", "dev"], ["customers/acme", "dev"]),
        (
            ["dev", "customers/[ag]*", "customers/acme"],
            ["dev", "customers/acme", "customers/globex"],
        ),
        (["customers/eu/initech"], ["customers/eu/initech"]),
        (["**/initech", "customers/**/acme"], ["customers/eu/initech", "customers/acme"]),
        (["customers/[!a]*"], ["customers/globex"]),
    ],
)
def test_globs_select_within_one_folder_unless_double_star(fleet, patterns, selected):
    assert select_environments(fleet.root, patterns) == selected


def test_a_pattern_that_selects_nothing_is_an_error_naming_the_candidates(fleet, cli):
    result = cli("validate", "dev", "customer/*")

    assert result.code == 1
    assert result.err == (
        "error: no environment matches 'customer/*' ('*' stays within one folder, '**' "
        "crosses folders; environments: customers/acme, customers/eu/initech, "
        "customers/globex, dev)\n"
    )


def test_a_pattern_that_cannot_be_read_is_an_error_not_a_traceback(fleet, cli):
    result = cli("validate", "customers/[z-a]")

    assert result.code == 1
    assert result.err.startswith("error: 'customers/[z-a]' is not a pattern syncset can read")


def test_validate_takes_globs_and_checks_grouped_environments(fleet, cli):
    result = cli("validate", "customers/*", "--format", "json")

    assert result.code == 0, result.err
    assert '"customers/acme"' in result.out and '"customers/globex"' in result.out
    assert '"customers/eu/initech"' not in result.out


def test_a_grouped_environment_is_named_by_its_whole_path(fleet):
    fleet.write(
        "environments/customers/acme/environment.yaml",
        "version: 1\nname: acme\naccount:\n  provider: sandbox\n  path: .syncset/a.sqlite\n",
    )

    assert fleet.problems("customers/acme") == [
        "environments/customers/acme/environment.yaml:2:7: name: name 'acme' does not match "
        "folder 'customers/acme': write name: customers/acme (an environment is named by its "
        "folder below environments/, groups included)"
    ]


def test_promotes_from_names_grouped_environments(fleet):
    fleet.validate("customers/eu/initech")  # promotes_from: customers/acme is known

    assert promotion_order(fleet.root, environment_names(fleet.root)) == [
        "dev",
        "customers/acme",
        "customers/globex",
        "customers/eu/initech",
    ]


def test_a_command_on_one_environment_refuses_a_glob_that_selects_several(fleet, cli):
    result = cli("plan", "customers/*")

    assert result.code == 1
    assert result.err == (
        "error: 'customers/*' selects 2 environments (customers/acme, customers/globex): "
        "plan works on one; name it exactly\n"
    )


def test_apply_of_a_grouped_environment_keeps_its_state_in_one_component(fleet, cli):
    applied = cli("apply", "customers/*cme", "--auto-approve")
    again = cli("plan", "customers/acme", "--detailed-exitcode")

    assert applied.code == 0, applied.err
    assert again.code == 0, again.out
    state = fleet.root / ".syncset"
    journals = list((state / "journal" / "customers~acme").glob("*.jsonl"))
    assert len(journals) == 1
    assert lock_path(fleet.root, "customers/acme") == state / "locks" / "customers~acme.lock"
    assert [p.name for p in (state / "locks").iterdir() if p.is_dir()] == []
    assert sorted(p.name for p in (state / "journal").iterdir()) == ["customers~acme"]
    rolled = cli("rollback", str(journals[0]), "--auto-approve")
    assert rolled.code == 0, rolled.err


@pytest.mark.parametrize("name", ["../x", "customers/../../x", "/etc", "a//b", "", "Dev", "a~b"])
def test_a_name_that_is_no_environment_name_builds_no_path(fleet, tmp_path, name):
    with pytest.raises(RefusedError, match="is not an environment name"):
        lock_path(fleet.root, name)
    with pytest.raises(RefusedError, match="is not an environment name"):
        journal_dir(fleet.root, name)
    with pytest.raises(RefusedError, match="is not an environment name"):
        saved_plan_path(tmp_path, name)


def test_a_climbing_name_is_refused_even_where_an_environment_yaml_lies(fleet, cli):
    fleet.add_environment("x")
    (fleet.root / "x").mkdir()
    (fleet.root / "environments/x/environment.yaml").rename(fleet.root / "x/environment.yaml")

    with pytest.raises(RefusedError, match=re.escape("'../x' is not an environment name")):
        environment_folder(fleet.root, "../x")
    result = cli("plan", "../x")
    assert result.code == 1
    assert "unknown environment '../x'" in result.err
    assert not (fleet.root / ".syncset").exists()


def test_saved_plans_of_grouped_environments_are_found_again(tmp_path: Path):
    for name in ("customers/acme", "dev"):
        saved_plan_path(tmp_path, name).write_text("{}", encoding="utf-8")
    (tmp_path / "not~~a~name.plan.json").write_text("{}", encoding="utf-8")

    assert sorted(p.name for p in tmp_path.iterdir())[0] == "customers~acme.plan.json"
    assert saved_plan_names(tmp_path) == ["customers/acme", "dev"]


def test_a_folder_whose_name_is_no_environment_name_says_to_rename_it(repo, cli):
    repo.add_environment("Customer ACME")

    result = cli("validate", "Customer ACME")

    assert result.code == 1
    assert result.err == (
        "error: environments/Customer ACME/: 'Customer ACME' is not an environment name: "
        "rename the folder to lower-case letters, digits, '-', '_' or '.' (groups joined by "
        "'/')\n"
    )


def test_ping_takes_a_glob_and_reports_each_environment(fleet, cli):
    (fleet.root / ".syncset/customers").mkdir(parents=True)
    (fleet.root / ".syncset/customers/globex.sqlite").write_bytes(b"not SQLite" * 200)

    result = cli("ping", "customers/*")

    assert result.code == 1
    assert "== customers/acme\n" in result.out and "ping customers/acme: ok" in result.out
    assert "== customers/globex\n" in result.out
    assert ".syncset/customers/globex.sqlite" in result.err
    assert result.err.endswith("error: ping: 1 of 2 failed: customers/globex\n")
