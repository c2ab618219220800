"""``mappings.yaml``: reference mapping, links and per-field overrides."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Repo


MAP = "environments/dev/mappings.yaml"
TEAM = "environments/dev/teams/application-development.yaml"


@pytest.fixture
def team(repo: Repo) -> Repo:
    """The repository with one team, application-development."""
    repo.write(
        TEAM,
        "kind: team\nid: application-development\nname: Application Development\n"
        "manager: rodney.wilson@wdc.example\n",
    )
    return repo


def test_valid_mappings_are_loaded(team: Repo) -> None:
    team.write(
        MAP,
        """
        version: 1
        references:
          person:
            rodney.wilson@wdc.example: ander.alkin@widget.example
          organization:
            Widget Data Center: Widget Europe IT
        links:
          team/application-development: Application Development (EU)
        overrides:
          team/application-development:
            remarks: Application Development in Europe
        """,
    )

    env = team.validate()

    assert env.mappings.references["person"] == {
        "rodney.wilson@wdc.example": "ander.alkin@widget.example"
    }
    assert env.mappings.links == {"team/application-development": "Application Development (EU)"}
    fields = env.records[("team", "application-development")].fields
    assert fields["remarks"] == "Application Development in Europe"


def test_kind_wide_override_applies_to_every_record_and_record_override_wins(team: Repo) -> None:
    team.write("environments/dev/teams/ops.yaml", "kind: team\nid: ops\nname: Ops\nremarks: Ops\n")
    team.write(
        MAP,
        """
        overrides:
          team:
            remarks: Managed from git
          team/ops:
            remarks: Operations
        """,
    )

    env = team.validate()

    assert env.records[("team", "application-development")].fields["remarks"] == (
        "Managed from git"
    )
    assert env.records[("team", "ops")].fields["remarks"] == "Operations"


def test_reference_mapping_of_a_kind_that_is_not_reference_data(team: Repo) -> None:
    team.write(MAP, "references:\n  team:\n    a: b\n")

    assert team.problems() == [
        f"{MAP}:2:3: references.team: not a reference-data kind "
        "(use person, organization, site, service)"
    ]


def test_reference_mapping_checks_emails_on_both_sides(team: Repo) -> None:
    team.write(
        MAP,
        """
        references:
          person:
            Rodney Wilson: ander.alkin@widget.example
            frank.watson@wdc.example: Ander
        """,
    )

    assert team.problems() == [
        f"{MAP}:3:5: references.person.Rodney Wilson: 'Rodney Wilson' is not an e-mail address "
        "(expected name@domain.example)",
        f"{MAP}:4:31: references.person.frank.watson@wdc.example: 'Ander' is not an e-mail "
        "address (expected name@domain.example)",
    ]


def test_link_to_a_record_not_in_the_environment(team: Repo) -> None:
    team.write(MAP, "links:\n  team/app-dev: Application Development\n")

    assert team.problems() == [
        f"{MAP}:2:3: links.team/app-dev: team/app-dev is not a record of this environment"
    ]


def test_override_of_an_unknown_record_or_kind(team: Repo) -> None:
    team.write(
        MAP,
        """
        overrides:
          team/app-dev:
            remarks: x
          tema:
            remarks: y
        """,
    )

    assert team.problems() == [
        f"{MAP}:2:3: overrides.team/app-dev: team/app-dev is not a record of this environment",
        f"{MAP}:4:3: overrides.tema: unknown kind 'tema'",
    ]


def test_override_of_an_unknown_field_is_reported_in_mappings(team: Repo) -> None:
    team.write(MAP, "overrides:\n  team/application-development:\n    colour: red\n")

    problems = team.problems()

    assert (
        f"{MAP}:3:5: overrides.team/application-development.colour: team has no field 'colour'"
    ) in problems


def test_override_of_an_unknown_field_is_reported_only_in_mappings(team: Repo) -> None:
    team.write(MAP, "overrides:\n  team/application-development:\n    colour: red\n")

    assert team.problems() == [
        f"{MAP}:3:5: overrides.team/application-development.colour: team has no field 'colour'"
    ]


def test_override_values_are_validated_like_record_values(team: Repo) -> None:
    team.write(MAP, "overrides:\n  team/application-development:\n    manager: Ander Alkin\n")

    problems = team.problems()

    assert any("manager: 'Ander Alkin' is not an e-mail address" in p for p in problems)


def test_bad_override_value_is_one_problem_at_its_place_in_mappings(team: Repo) -> None:
    team.write(MAP, "overrides:\n  team/application-development:\n    manager: Ander Alkin\n")

    assert team.problems() == [
        f"{MAP}:3:14: team/application-development: overrides.team/application-development."
        "manager: 'Ander Alkin' is not an e-mail address (expected name@domain.example)"
    ]


def test_override_values_are_rendered_with_vars(team: Repo) -> None:
    team.add_environment("dev", extra="vars:\n  company: Widget Europe IT\n")
    team.write(
        MAP,
        "overrides:\n  team/application-development:\n"
        "    remarks: '{{ vars.company }} developers'\n",
    )

    fields = team.validate().records[("team", "application-development")].fields

    assert fields["remarks"] == "Widget Europe IT developers"


def test_mappings_file_schema_is_strict(team: Repo) -> None:
    team.write(MAP, "version: 1\nreferences: {}\nlink: {}\n")

    assert team.problems() == [f"{MAP}:3:1: link: unknown field"]


def test_missing_mappings_file_means_no_mappings(team: Repo) -> None:
    env = team.validate()

    assert env.mappings.references == {}
    assert env.mappings.links == {}
    assert env.mappings.overrides == {}
