"""Command-line conventions: ``-h`` beside ``--help``, typer's shell completion, and the
README naming only commands that exist."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from example_root import PROJECT_ROOT

if TYPE_CHECKING:
    from conftest import CliRunner


@pytest.mark.parametrize("args", [(), ("validate",), ("schema",), ("schema", "export")])
def test_dash_h_prints_the_same_help_as_dash_dash_help(cli: CliRunner, args: tuple[str, ...]):
    short = cli(*args, "-h")
    long = cli(*args, "--help")

    assert short.code == 0, short.err
    assert short.out == long.out
    assert "Usage:" in short.out


def test_shell_completion_can_be_installed_and_shown(cli: CliRunner) -> None:
    result = cli("--help")

    assert "--install-completion" in result.out
    assert "--show-completion" in result.out


def readme_commands() -> list[list[str]]:
    """Each ``syncset …`` line of the README's command block, as its command words."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## The commands", 1)[1].split("```")[1]
    found = []
    for line in block.splitlines():
        match = re.match(r"syncset ((?:[a-z]+(?:\|[a-z]+)*[ ,]*)+)", line)
        if match:
            for words in re.split(r",\s*", match.group(1).strip()):
                first, *rest = words.split()
                for choice in rest[0].split("|") if rest else [""]:
                    found.append([first, choice] if choice else [first])
    return found


@pytest.mark.parametrize("words", readme_commands(), ids=" ".join)
def test_every_command_the_readme_names_exists(cli: CliRunner, words: list[str]) -> None:
    result = cli(*words, "--help")

    assert result.code == 0, result.err


BROKEN_TEAM = """
kind: team
id: app-dev
name: Application Development
colour: blue
"""


def test_in_github_actions_a_problem_is_also_an_error_annotation_at_its_line(
    repo, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("environments/dev/team.yaml", BROKEN_TEAM)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")

    result = cli("validate", "dev")

    assert result.code == 1
    assert re.search(
        r"^::error file=environments/dev/team\.yaml,line=4,col=1::team/app-dev: colour: .+$",
        result.err,
        re.MULTILINE,
    ), result.err


def test_outside_github_actions_no_annotation_is_printed(repo, cli: CliRunner, monkeypatch):
    repo.write("environments/dev/team.yaml", BROKEN_TEAM)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    result = cli("validate", "dev")

    assert result.code == 1
    assert "::error" not in result.err


def test_validate_format_json_lists_problems_with_their_positions(repo, cli: CliRunner) -> None:
    import json

    repo.write("environments/dev/team.yaml", BROKEN_TEAM)

    result = cli("validate", "dev", "--format", "json")

    assert result.code == 1
    report = json.loads(result.out)
    assert report["valid"] is False
    [problem] = report["problems"]
    assert (problem["path"], problem["line"], problem["col"]) == (
        "environments/dev/team.yaml",
        4,
        1,
    )
    assert problem["subject"] == "team/app-dev"


def test_validate_format_json_counts_records_when_valid(repo, cli: CliRunner) -> None:
    import json

    repo.write("environments/dev/team.yaml", BROKEN_TEAM.replace("colour: blue\n", ""))

    result = cli("validate", "dev", "--format", "json")

    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "valid": True,
        "problems": [],
        "records": {"dev": {"team": 1}},
        "mapping_targets": "none",
    }


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_show_renders_a_saved_plan_as_plan_printed_it(repo, cli: CliRunner, fmt: str) -> None:
    repo.write("environments/dev/team.yaml", BROKEN_TEAM.replace("colour: blue\n", ""))
    printed = cli("plan", "dev", "--out", "plan.json", "--format", fmt)
    assert printed.code == 0, printed.err

    shown = cli("show", "plan.json", "--format", fmt)

    assert shown.code == 0, shown.err
    assert shown.out == printed.out
    assert "app-dev" in shown.out


def test_show_refuses_a_file_that_is_not_a_plan_with_a_clear_error(repo, cli: CliRunner) -> None:
    repo.write("plan.json", "{}")

    result = cli("show", "plan.json")

    assert result.code == 1
    assert "plan.json: not a plan file" in result.err
