"""``syncset environments [PATTERN…] [--check]``: every environment, its account, promotion
links, record counts and last apply; ``--check`` probes each account (exit 1 when one is
unhealthy, or cannot be read).

Only the option types are imported at module level: the engine (validation, providers, the
renderers) is imported when the command runs, so ``syncset --help`` stays fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from syncset.cli.app import app, console
from syncset.cli.options import FormatOption
from syncset.formats import Format


@app.command("environments")
def environments_command(
    patterns: Annotated[
        list[str] | None,
        typer.Argument(help="Environments to show, names or globs (default: all)."),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Probe each account (reachable, credentials, budget, schema, drift); "
            "exit 1 when one is unhealthy.",
        ),
    ] = False,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=32, help="Accounts probed at once.")
    ] = 8,
    fmt: FormatOption = Format.TEXT,
) -> None:
    """Every environment: account, promotion links, records per kind, last apply, health."""
    from syncset.config.load import environment_names, find_root, select_environments
    from syncset.errors import RepositoryError
    from syncset.fleet import survey
    from syncset.render.fleet import render_fleet

    root = find_root()
    names = select_environments(root, patterns) if patterns else environment_names(root)
    if not names:
        raise RepositoryError("no environments: create environments/<name>/environment.yaml")
    fleet = survey(root, names, check=check, workers=workers)
    console.print(render_fleet(fleet, fmt), markup=False, highlight=False, end="", soft_wrap=True)
    if not fleet.healthy:
        sys.exit(1)  # through sys.exit: main runs click outside standalone mode (see ci_cmd)
