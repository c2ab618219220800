"""Validation in one round: every independent problem of an environment in one run, so a user
never fixes one error only to meet the next that was there all along."""

from __future__ import annotations

TEAM = "kind: team\nid: {id}\nname: {name}\n"


def test_a_duplicate_id_does_not_hide_the_duplicate_name_of_another_record(repo):
    repo.write("environments/dev/teams/a.yaml", TEAM.format(id="ops", name="Operations"))
    repo.write("environments/dev/teams/b.yaml", TEAM.format(id="ops", name="Other"))
    repo.write("environments/dev/teams/c.yaml", TEAM.format(id="ops-2", name="Other"))

    problems = repo.problems()

    assert any("duplicate id: team/ops is already declared" in p for p in problems), problems
    assert any("name 'Other' is already used by team/ops" in p for p in problems), problems


def test_a_duplicate_id_with_the_same_name_is_one_problem_not_two(repo):
    repo.write("environments/dev/teams/a.yaml", TEAM.format(id="ops", name="Operations"))
    repo.write("environments/dev/teams/b.yaml", TEAM.format(id="ops", name="Operations"))

    assert len(repo.problems()) == 1


def test_two_template_errors_in_one_record_are_both_reported(repo):
    repo.write(
        "environments/dev/teams/a.yaml",
        "kind: team\nid: ops\nname: '{{ vars.nosuch }}'\nremarks: '{{ vars.missing }}'\n",
    )

    problems = repo.problems()

    assert len(problems) == 2, problems
    assert problems[0].startswith("environments/dev/teams/a.yaml:3:")
    assert problems[1].startswith("environments/dev/teams/a.yaml:4:")
