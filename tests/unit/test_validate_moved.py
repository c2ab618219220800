"""``moved:`` in environment.yaml, checked without the account: each problem at its entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Repo

ENV = "environments/dev/environment.yaml"


def teams(repo: Repo, *ids: str) -> None:
    for record_id in ids:
        repo.write(
            f"environments/dev/teams/{record_id}.yaml",
            f"kind: team\nid: {record_id}\nname: Team {record_id}\n",
        )


def moved(repo: Repo, *entries: tuple[str, str]) -> None:
    lines = ["moved:"] + [f"  - from: {a}\n    to: {b}" for a, b in entries]
    repo.add_environment("dev", extra="\n".join(lines) + "\n")


def test_a_valid_moved_entry_is_read_as_new_id_to_old_id(repo: Repo) -> None:
    teams(repo, "operations")
    moved(repo, ("team/ops", "team/operations"))

    env = repo.validate()

    assert env.config.moves() == {("team", "operations"): "ops"}


def test_ids_must_be_kind_slash_id_of_a_configuration_kind(repo: Repo) -> None:
    teams(repo, "operations")
    moved(
        repo,
        ("ops", "team/operations"),
        ("squad/ops", "team/operations"),
        ("person/ops", "team/operations"),
        ("team/Ops", "team/operations"),
    )

    assert repo.problems() == [
        f"{ENV}:7:11: moved[0].from: 'ops' is not kind/id: write it as e.g. team/ops",
        f"{ENV}:9:11: moved[1].from: unknown kind 'squad' (kinds: "
        "calendar, holiday, team, agile_board, product_backlog, scrum_workspace, ui_extension, "
        "request_template, solution, connection, flow)",
        f"{ENV}:11:11: moved[2].from: person is reference data, which is mapped, "
        "never moved (mappings.yaml)",
        f"{ENV}:13:11: moved[3].from: 'Ops' is not a record id: lower-case letters, "
        "digits, '-', '_' or '.', starting and ending with a letter or digit",
    ]


def test_a_move_keeps_its_kind_and_its_target_is_declared_and_its_source_is_not(
    repo: Repo,
) -> None:
    teams(repo, "ops", "operations")
    moved(
        repo,
        ("calendar/ops", "team/operations"),
        ("team/ops", "team/operations"),
        ("team/old", "team/missing"),
    )

    assert repo.problems() == [
        f"{ENV}:8:9: moved[0].to: calendar/ops and team/operations are of different "
        "kinds: a record keeps its kind",
        f"{ENV}:9:11: moved[1].from: team/ops is still declared in the YAML: 'from' is "
        "the id the record had before; rename it in its file, or remove this entry",
        f"{ENV}:12:9: moved[2].to: team/missing is not a record of this environment: 'to' "
        "is the record's new id, as its YAML file declares it",
    ]


def test_an_id_moved_twice_or_along_a_chain_is_refused(repo: Repo) -> None:
    teams(repo, "operations", "platform", "b")
    moved(
        repo,
        ("team/ops", "team/operations"),
        ("team/ops", "team/platform"),
        ("team/a", "team/b"),
        ("team/b", "team/operations"),
    )

    assert repo.problems() == [
        f"{ENV}:9:11: moved[1].from: team/ops is moved twice (entry 1 too): keep one entry",
        f"{ENV}:13:11: moved[3].from: team/b is moved again (entry 4) after it was moved "
        "to (entry 3): write one entry from the first id to the last, no chains",
        f"{ENV}:14:9: moved[3].to: team/operations is the target of two moves (entry 1 "
        "too): keep one entry",
    ]


def test_a_moved_entry_needs_both_ids(repo: Repo) -> None:
    teams(repo, "operations")
    repo.add_environment("dev", extra="moved:\n  - to: team/operations\n")

    assert repo.problems() == [f"{ENV}:7:5: moved[0].from: required field is missing"]


def test_validate_checks_moved_without_the_account(repo: Repo, cli) -> None:
    teams(repo, "operations")
    moved(repo, ("team/ops", "team/operations"))

    result = cli("validate", "dev")

    assert result.code == 0, result.out + result.err
    assert not (repo.root / ".syncset" / "dev.sqlite").exists()
