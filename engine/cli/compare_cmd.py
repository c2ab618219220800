"""``syncset compare SRC DST``: what a promotion would change (or two live accounts)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from syncset.cli.app import app, console
from syncset.cli.options import FormatOption, SyncSetOption
from syncset.formats import Format

if TYPE_CHECKING:
    from syncset.promotion.compare import Comparison

# The engine is imported inside the command: start-up (see syncset.cli).


def folder_comparison(source: str, destination: str, sync_set: str | None = None) -> Comparison:
    """SRC's records in DST's context against DST's records, limited to a sync set if named."""
    from syncset.config.load import find_root
    from syncset.config.syncsets import closure, get_syncset
    from syncset.config.validate import records_in_context, validate_environment
    from syncset.promotion.compare import compare_folders

    root = find_root()
    target = validate_environment(root, destination)
    source_env = validate_environment(root, source)
    in_context = records_in_context(root, source, target)
    keep = None
    if sync_set:
        members = closure(source_env, get_syncset(root, sync_set)).records
        keep = members.__contains__
    return compare_folders(source, destination, in_context, target.records, keep)


@app.command()
def compare(
    source: Annotated[str, typer.Argument(help="The environment promoted from.")],
    destination: Annotated[str, typer.Argument(help="The environment promoted to.")],
    fmt: FormatOption = Format.TEXT,
    sync_set: SyncSetOption = None,
    live: Annotated[
        bool, typer.Option("--live", help="Compare the two live accounts instead of folders.")
    ] = False,
) -> None:
    """Record by record: Exists (no) differences, Doesn't exist in DST, Only in DST."""
    from syncset.config.load import find_root, select_environment
    from syncset.render.compare import render_comparison

    root = find_root()
    source = select_environment(root, source, "compare")
    destination = select_environment(root, destination, "compare")
    if live:
        from syncset.config.syncsets import closure, get_syncset
        from syncset.config.validate import records_in_context, validate_environment
        from syncset.model import RecordKey
        from syncset.plan.resolve import read_live
        from syncset.promotion.compare import (
            compare_live,
            context_differences,
            reference_translation,
        )
        from syncset.workflow import opened

        src, dst = (validate_environment(root, name) for name in (source, destination))
        states = []
        secrets: dict[RecordKey, frozenset[str]] = {}
        for environment in (src, dst):
            for key, record in environment.records.items():
                secrets[key] = secrets.get(key, frozenset()) | record.secrets
            with opened(environment) as provider:
                states.append(read_live(provider))
        keep = None
        if sync_set:
            keep = closure(src, get_syncset(root, sync_set)).records.__contains__
        comparison = compare_live(
            source,
            destination,
            states[0],
            states[1],
            keep,
            secrets,
            dst.mappings.links,
            reference_translation(src, dst),
            context_differences(src.records, records_in_context(root, source, dst)),
        )
    else:
        comparison = folder_comparison(source, destination, sync_set)
    console.print(render_comparison(comparison, fmt), markup=False, end="")
