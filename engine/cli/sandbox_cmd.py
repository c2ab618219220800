"""``syncset sandbox load ENV FILE``: records made by hand in a sandbox account (demos, tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from syncset.cli.app import app, console

# The engine is imported inside the command: start-up (see syncset.cli).

sandbox_app = typer.Typer(help="The embedded sandbox account.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")


@sandbox_app.command("load")
def load(
    environment: Annotated[str, typer.Argument(help="The environment whose account to fill.")],
    file: Annotated[Path, typer.Argument(help="YAML records to create without the marker.")],
) -> None:
    """Create records in a sandbox account as if someone had made them by hand."""
    from syncset.apply.sandbox_load import load_into_sandbox
    from syncset.config.load import find_root, select_environment
    from syncset.config.validate import validate_environment

    root = find_root()
    environment = select_environment(root, environment, "sandbox load")
    env = validate_environment(root, environment)
    created, existing = load_into_sandbox(env, file)
    console.print(f"{environment}: {created} records created, {existing} already there")
