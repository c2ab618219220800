"""``syncset validate`` and ``syncset schema export``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from engine.cli.app import app, console, schema_app
from engine.errors import ConfigError
from engine.load import environment_names, find_root
from engine.model import Environment
from engine.validate import validate_environment


@app.command()
def validate(
    environments: Annotated[
        list[str] | None, typer.Argument(help="Environments to check (default: all).")
    ] = None,
) -> None:
    """Check schema, references and mappings of environments; no network access."""
    root = find_root()
    names = environments or environment_names(root)
    loaded: list[Environment] = []
    problems = []
    for name in names:
        try:
            loaded.append(validate_environment(root, name))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    console.print(_summary(loaded))


def _summary(environments: list[Environment]) -> Table:
    counts = {env.name: Counter(kind for kind, _ in env.records) for env in environments}
    kinds = sorted({kind for counter in counts.values() for kind in counter})
    table = Table(title="Records per kind", title_justify="left")
    table.add_column("kind")
    for env in environments:
        table.add_column(env.name, justify="right")
    for kind in kinds:
        table.add_row(kind, *(str(counts[env.name][kind]) for env in environments))
    table.add_row("total", *(str(sum(counts[env.name].values())) for env in environments))
    return table


@schema_app.command("export")
def schema_export(
    directory: Annotated[Path, typer.Argument(help="Folder to write the JSON Schemas into.")],
) -> None:
    """Write a JSON Schema per kind and one combined schema for yaml-language-server."""
    from engine.schema_export import export_schemas

    written = export_schemas(directory)
    console.print(f"wrote {len(written)} schemas to {directory}")
