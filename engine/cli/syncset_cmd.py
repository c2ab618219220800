"""``syncset syncsets show NAME``: a sync set's records and the references they need mapped."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from syncset.cli.app import app, console

# The engine is imported inside the command: start-up (see syncset.cli).

syncset_app = typer.Typer(help="Sync sets: a root kind plus all it needs.", no_args_is_help=True)
app.add_typer(syncset_app, name="syncsets")
# The first spelling, ``syncset syncset show``, read as a stutter (issue 17); scripts may use it.
app.add_typer(syncset_app, name="syncset", hidden=True)


@syncset_app.command("list")
def list_sets() -> None:
    """The sync sets of syncsets.yaml."""
    from syncset.config.load import find_root
    from syncset.config.syncsets import load_syncsets

    for name, definition in load_syncsets(find_root()).items():
        only = f" ({', '.join(definition.records)})" if definition.records else ""
        console.print(
            f"{name}: {definition.title or definition.root} [root {definition.root}{only}]",
            markup=False,
        )


@syncset_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The sync set.")],
    env: Annotated[str | None, typer.Option("--env", help="Environment (default: first).")] = None,
    csv_dir: Annotated[
        Path | None, typer.Option("--csv", help="Write one CSV per kind into this folder.")
    ] = None,
) -> None:
    """Counts per kind, the records, and the references with the records and fields using them."""
    from syncset.config.load import environment_names, find_root, select_environment
    from syncset.config.syncsets import closure, get_syncset
    from syncset.config.validate import validate_environment
    from syncset.safepath import atomic_write_text

    root = find_root()
    definition = get_syncset(root, name)
    chosen = select_environment(root, env, "syncset") if env else environment_names(root)[0]
    environment = validate_environment(root, chosen)
    result = closure(environment, definition)
    counts = Counter(kind for kind, _ in result.records)
    console.print(f"Sync set {name} in {environment.name}: root {definition.root}", markup=False)
    for kind, count in sorted(counts.items()):
        console.print(f"  {kind:<18} {count}", markup=False)
    console.print("Records:")
    for kind, record_id in sorted(result.records):
        console.print(f"  {kind}/{record_id}", markup=False)
    console.print("References to map:")
    for (kind, value), uses in result.references.items():
        shown = ", ".join(f"{ref}.{field}" for ref, field in uses)
        console.print(f"  {kind} {value}: {shown}", markup=False)
    for missing in result.missing_roots:
        console.print(f"  warning: {definition.root}/{missing} is not in {environment.name}")
    for ref, field in result.left_out:
        console.print(
            f"  note: {ref}.{field} is left out (opt-in; include: [{ref.split('/')[0]}.{field}]"
            " carries it)",
            markup=False,
        )
    if csv_dir is not None:
        for kind in sorted(counts):
            atomic_write_text(csv_dir / f"{kind}.csv", _csv(environment, kind, result.records))
        console.print(f"wrote {len(counts)} CSV files to {csv_dir}")


def _csv(environment: object, kind: str, keys: frozenset[tuple[str, str]]) -> str:
    from syncset.schemas import CATALOG

    spec = CATALOG[kind]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", *spec.fields])
    records = environment.records  # type: ignore[attr-defined]
    for _, record_id in sorted(k for k in keys if k[0] == kind):
        fields = records[(kind, record_id)].fields
        row: list[object] = [record_id]
        for name in spec.fields:
            value = fields.get(name)
            if name in records[(kind, record_id)].secrets:
                value = "(sensitive)"
            row.append(_cell(value))
        writer.writerow(row)
    return out.getvalue()


def _cell(value: object) -> object:
    """JSON spelling for what Python would print its own way: ``true``, not ``False``, like the
    lists and maps in the same file."""
    if isinstance(value, bool | list | dict):
        return json.dumps(value)
    return value
