"""The typer application and the two consoles (stdout for results, stderr for messages)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="syncset",
    help="GitOps for SaaS configuration: validate, plan, apply and promote typed YAML.",
    no_args_is_help=True,
    # typer's --install-completion / --show-completion (bash, zsh, fish, PowerShell).
    add_completion=True,
    # Sub-commands inherit the help option names from the group's context.
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
schema_app = typer.Typer(help="JSON Schema for editors.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")

# emoji=False: values from YAML and accounts are printed as they are (":rocket:" stays text).
console = Console(highlight=False, soft_wrap=True, emoji=False)
console_err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def terminal_style() -> tuple[bool, int]:
    """Colour and width for stdout: colour only on a terminal that has it (``NO_COLOR`` and
    ``TERM=dumb`` turn it off, as rich detects them); the terminal's width, or 100 for a file
    or a pipe so saved output does not depend on who ran it."""
    color = console.is_terminal and console.color_system is not None and not console.no_color
    width = console.width if console.is_terminal else 100
    return color, width


def _print_version(value: bool) -> None:
    if value:
        from syncset import __version__

        console.print(f"syncset {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version (from the installed package) and exit.",
        ),
    ] = False,
) -> None:
    """GitOps for SaaS configuration: validate, plan, apply and promote typed YAML."""
