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
