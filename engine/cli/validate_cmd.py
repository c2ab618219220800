"""``syncset validate`` and ``syncset schema export``."""

from __future__ import annotations

import json
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncset.cli.app import app, console, schema_app
from syncset.errors import ConfigError, Problem

if TYPE_CHECKING:
    from rich.table import Table

    from syncset.model import Environment

# The engine is imported inside the commands: start-up (see syncset.cli). validate reads
# files only: the providers' read path is imported for --online alone.


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def validate(
    environments: Annotated[
        list[str] | None, typer.Argument(help="Environments to check (default: all).")
    ] = None,
    online: Annotated[
        bool,
        typer.Option("--online", help="Also read the accounts to check mapping targets (network)."),
    ] = False,
    output: Annotated[
        ValidateFormat,
        typer.Option("--format", "-f", help="text (terminal) or json (tools, editors)."),
    ] = ValidateFormat.text,
) -> None:
    """Check schema, references, mappings and syncsets.yaml from the files alone: no account,
    no network.

    Whether a mapping's target exists in the account (is this person there?) is the account's
    business: plan checks it, and so does validate with --online. The summary says which.
    """
    from syncset.config.load import environment_names, find_root, select_environments
    from syncset.config.syncsets import load_syncsets
    from syncset.config.validate import validate_environment

    root = find_root()
    names = select_environments(root, environments) if environments else environment_names(root)
    loaded: list[Environment] = []
    problems = []
    try:
        load_syncsets(root)  # syncsets.yaml is configuration too: checked with the folders
    except ConfigError as exc:
        problems.extend(exc.problems)
    for name in names:
        try:
            environment = validate_environment(root, name)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        loaded.append(environment)
        if online:
            problems.extend(_mapping_targets(environment))
    if output is ValidateFormat.json:
        _print_json(loaded, problems, online)
    if problems:
        raise ConfigError(problems)
    console.print(_summary(loaded))
    console.print(_targets_note(loaded, online), markup=False)


def _print_json(environments: list[Environment], problems: list[Problem], online: bool) -> None:
    """The result for tools: problems with their positions, or the records per kind; exit 1
    when there are problems (their text still goes to stderr)."""
    mapped = any(env.mappings.references for env in environments)
    report = {
        "valid": not problems,
        "problems": [_problem_json(problem) for problem in sorted(problems)],
        "records": {
            env.name: dict(sorted(Counter(kind for kind, _ in env.records).items()))
            for env in environments
        },
        "mapping_targets": ("checked" if online else "not checked") if mapped else "none",
    }
    console.print(json.dumps(report, indent=2), markup=False)
    if not problems:
        raise typer.Exit(0)


def _problem_json(problem: Problem) -> dict[str, object]:
    fields = ("path", "line", "col", "subject", "field", "message")
    return {name: getattr(problem, name) for name in fields}


def _mapping_targets(environment: Environment) -> list[Problem]:
    if not environment.mappings.references:
        return []
    from syncset.plan.resolve import read_live
    from syncset.promotion.mapping import mapping_target_problems
    from syncset.workflow import opened

    with opened(environment) as provider:
        live = read_live(provider, environment.reference_kinds_used())
    return mapping_target_problems(environment, live)


def _targets_note(environments: list[Environment], online: bool) -> str:
    """Say whether the accounts were read, so a green validate is not taken for a green plan."""
    mapped = [env.name for env in environments if env.mappings.references]
    if not mapped:
        return "no mapping targets to check"
    if online:
        return f"mapping targets checked against the accounts of {', '.join(mapped)}"
    return (
        "mapping targets not checked against the accounts (plan checks them; "
        "validate --online reads the accounts)"
    )


def _summary(environments: list[Environment]) -> Table:
    from rich.table import Table

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
    from syncset.config.schema_export import export_schemas

    written = export_schemas(directory)
    console.print(f"wrote {len(written)} schemas to {directory}")
