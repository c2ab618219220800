"""``syncset snapshot``: the live account written as YAML."""

from __future__ import annotations

from typing import Annotated

import typer

from syncset.cli.app import app, console
from syncset.cli.options import KindOption, SyncSetOption

# The engine is imported inside the command: start-up (see syncset.cli).


@app.command("snapshot")
def snapshot_command(
    environment: Annotated[str, typer.Argument(help="The environment whose account to write.")],
    kind: KindOption = None,
    sync_set: SyncSetOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be written; write nothing.")
    ] = False,
) -> None:
    """Write the live account's records into environments/ENV (creates or updates files)."""
    from syncset.config.load import find_root, select_environment
    from syncset.config.syncsets import get_syncset
    from syncset.config.validate import validate_environment
    from syncset.plan.model import Selection
    from syncset.plan.resolve import read_live, resolve
    from syncset.plan.selection import check_selection
    from syncset.promotion.snapshot import snapshot
    from syncset.workflow import opened

    root = find_root()
    environment = select_environment(root, environment, "snapshot")
    check_selection(Selection(kinds=tuple(kind or ())))
    env = validate_environment(root, environment)
    kinds = list(kind or [])
    root_ids: set[str] | None = None
    include: frozenset[str] = frozenset()
    if sync_set:
        # The roots are enough: snapshot follows their references like the closure does.
        definition = get_syncset(root, sync_set)
        kinds = [definition.root]
        root_ids = set(definition.records) or None
        include = definition.included()
    with opened(env) as provider:
        resolution = resolve(env, read_live(provider))
    result = snapshot(
        resolution, kinds or None, dry_run=dry_run, root_ids=root_ids, include=include
    )
    verb = "would write" if dry_run else "wrote"
    for ref in result.created:
        console.print(f"  + {ref}", markup=False)
    for ref in result.updated:
        console.print(f"  ~ {ref}", markup=False)
    for note in result.notes:
        console.print(f"  note: {note}", markup=False)
    console.print(
        f"snapshot of {environment}: {verb} {len(result.created)} new and "
        f"{len(result.updated)} updated records ({result.files} files); "
        f"{result.unchanged} unchanged"
    )
