"""``syncset drift ENV…``: what the live accounts have that git does not say; exit 2 on drift.

Exit codes leave through ``sys.exit`` (see :mod:`syncset.cli.ci_cmd` for why not ``typer.Exit``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from syncset.cli.app import app, console, console_err
from syncset.cli.options import FormatOption
from syncset.formats import Format

# The engine is imported inside the command: start-up (see syncset.cli).


@app.command()
def drift(
    environments: Annotated[list[str], typer.Argument(help="Environments to check.")],
    fmt: FormatOption = Format.TEXT,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the report as markdown to FILE.")
    ] = None,
    branch: Annotated[
        bool,
        typer.Option(
            "--snapshot-branch",
            help="Write the drifted live values into a new git branch (drift/ENV/STAMP) with "
            "snapshot, to adopt them by pull request instead of reverting them.",
        ),
    ] = False,
) -> None:
    """Compare live accounts with git; exit 0 no drift, 1 error, 2 drift found."""
    from syncset.ci.drift import (
        Drift,
        drift_json,
        drift_markdown,
        drift_of,
        drift_text,
        snapshot_branch,
    )
    from syncset.config.load import find_root, select_environments
    from syncset.safepath import atomic_write_text
    from syncset.secrets import SECRETS
    from syncset.workflow import each_environment, plan_environment

    root = find_root()

    def drift_one(name: str) -> Drift:
        with plan_environment(root, name) as run:
            result = drift_of(run.plan)
            made = snapshot_branch(run, result) if branch else None
        if made:
            console_err.print(f"{name}: live values written to branch {made}", markup=False)
        return result

    found: list[Drift] = []
    failed = False
    for outcome in each_environment(
        select_environments(root, environments, keep_unknown=True), drift_one
    ):
        if outcome.value is None:
            console_err.print(f"error: {outcome.environment}: {outcome.error}", markup=False)
            failed = True
        else:
            found.append(outcome.value)
    if fmt is Format.JSON:
        console.print(drift_json(found), markup=False, end="")
    elif fmt is Format.MARKDOWN:
        console.print("\n".join(drift_markdown(d) for d in found), markup=False, end="")
    else:
        console.print("".join(drift_text(d) for d in found), markup=False, end="")
    if out is not None:
        atomic_write_text(out, SECRETS.mask("\n".join(drift_markdown(d) for d in found)))
    if failed:
        sys.exit(1)
    if any(d.found for d in found):
        sys.exit(2)
