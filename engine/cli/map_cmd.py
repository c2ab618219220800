"""``syncset map ENV``: reference-mapping status, ``--set`` and ``--suggest``."""

from __future__ import annotations

from typing import Annotated

import typer

from syncset.cli.app import app, console

# The engine is imported inside the command: start-up (see syncset.cli).


@app.command("map")
def map_command(
    environment: Annotated[str, typer.Argument(help="The environment to map references for.")],
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", help="Record a mapping KIND:SOURCE=TARGET (repeatable)."),
    ] = None,
    propose: Annotated[
        bool, typer.Option("--suggest", help="Write suggested mappings for unmapped values.")
    ] = False,
) -> None:
    """Every reference the environment uses, mapped, automatic or unmapped, and where."""
    from syncset.config.load import find_root
    from syncset.config.validate import validate_environment
    from syncset.plan.model import MappingState
    from syncset.plan.resolve import read_live
    from syncset.promotion.mapping import (
        check_targets,
        parse_assignment,
        reference_status,
        suggest,
        write_mappings,
    )
    from syncset.schemas import CATALOG
    from syncset.workflow import opened

    root = find_root()
    env = validate_environment(root, environment)
    parsed = [parse_assignment(text) for text in assignments or []]
    kinds = {*env.reference_kinds_used(), *(kind for kind, _, _ in parsed)}
    with opened(env) as provider:
        live = read_live(provider, [s.name for s in CATALOG.reference_kinds() if s.name in kinds])
    if parsed:
        check_targets(live, parsed)
        count = write_mappings(env, parsed)
        console.print(f"recorded {count} mappings in {env.relative_folder}/mappings.yaml")
    if propose:
        references = reference_status(env, live)
        found = suggest(references, live)
        comments = {
            (s.kind, s.value): f"suggested by syncset map --suggest: score {s.score:.2f} ({s.why})"
            for s in found
        }
        count = write_mappings(
            env, [(s.kind, s.value, s.target) for s in found], comments, overwrite=False
        )
        for s in found:
            console.print(f"  suggested {s.kind} {s.value} → {s.target} (score {s.score:.2f})")
        console.print(f"wrote {count} suggestions to {env.relative_folder}/mappings.yaml")
    if parsed or propose:
        env = validate_environment(root, environment)
    references = reference_status(env, live)
    for reference in references:
        uses = ", ".join(f"{u.record}.{u.field}" for u in reference.used_by)
        target = f" → {reference.target}" if reference.target else ""
        console.print(
            f"  {reference.state.value:<14} {reference.kind} {reference.value}{target}  ({uses})",
            markup=False,
        )
    unmapped = [r for r in references if r.state is MappingState.UNMAPPED]
    missing = [r for r in references if r.state is MappingState.MISSING_TARGET]
    console.print(
        f"{environment}: {len(references)} references, {len(unmapped)} unmapped"
        + (f", {len(missing)} mapped to values missing from the account" if missing else "")
    )
    if missing:
        raise typer.Exit(1)
