"""``syncset init [DIR]``: scaffold a configuration repository for a team that installs syncset
as a tool and keeps its configuration in a repository of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from syncset.cli.app import app, console

# The engine is imported inside the command: start-up (see syncset.cli).


@app.command()
def init(
    directory: Annotated[
        Path, typer.Argument(help="Folder of the new configuration repository (default: .).")
    ] = Path("."),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite files that already exist.")
    ] = False,
) -> None:
    """Write dev/qa/prod environments (sandbox accounts), sync sets, the version pin, CI
    pipelines (GitHub, GitLab), editor schemas and pre-commit. Refuses to overwrite any file
    unless --force, naming them all and writing nothing."""
    from syncset import __version__
    from syncset.init.scaffold import write_scaffold

    written = write_scaffold(directory, force=force)
    console.print(f"syncset {__version__}: wrote {len(written)} files to {directory}", markup=False)
    for rel in written:
        console.print(f"  {rel}", markup=False)
    where = "" if directory == Path(".") else f"cd {directory}\n  "
    console.print(
        "Next steps:\n"
        f"  {where}syncset validate      # check the files (no network)\n"
        "  syncset plan dev      # compare environments/dev with its sandbox account\n"
        "Then point environments/<env>/environment.yaml at your accounts (docs/providers.md).",
        markup=False,
    )
