"""``syncset map ENV``: reference-mapping status, ``--set``, ``--suggest`` and the review of
suggestions (``--accept`` / ``--reject``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncset.cli.app import app, console
from syncset.errors import SyncsetError

if TYPE_CHECKING:
    from syncset.model import Environment
    from syncset.plan.resolve import LiveState, Reference
    from syncset.promotion import proposals

# The engine is imported inside the command: start-up (see syncset.cli).


@app.command("map")
def map_command(
    environment: Annotated[str, typer.Argument(help="The environment to map references for.")],
    selectors: Annotated[
        list[str] | None,
        typer.Argument(
            help="With --accept/--reject: the proposals, KIND or KIND:SOURCE (default: all).",
            show_default=False,
        ),
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", help="Record a mapping KIND:SOURCE=TARGET (repeatable)."),
    ] = None,
    propose: Annotated[
        bool,
        typer.Option("--suggest", help="Propose targets for unmapped values, for review."),
    ] = False,
    accept: Annotated[
        bool, typer.Option("--accept", help="Make the proposals (or those selected) mappings.")
    ] = False,
    reject: Annotated[
        bool, typer.Option("--reject", help="Drop the proposals (or those selected).")
    ] = False,
) -> None:
    """Every reference the environment uses, mapped, automatic or unmapped, and where."""
    from syncset.config.load import find_root, select_environment
    from syncset.config.validate import validate_environment
    from syncset.plan.resolve import read_live
    from syncset.promotion import proposals
    from syncset.promotion.mapping import (
        check_targets,
        parse_assignment,
        reference_status,
        write_mappings,
    )
    from syncset.schemas import CATALOG
    from syncset.workflow import opened

    _refuse_mixed(selectors or [], accept, reject, propose)
    root = find_root()
    environment = select_environment(root, environment, "map")
    env = validate_environment(root, environment)
    parsed = [parse_assignment(text) for text in assignments or []]
    verb = "--accept" if accept else "--reject"
    chosen = proposals.select(env, selectors or [], verb) if accept or reject else []
    kinds = {
        *env.reference_kinds_used(),
        *(kind for kind, _, _ in parsed),
        *(c.kind for c in chosen),
    }
    with opened(env) as provider:
        live = read_live(provider, [s.name for s in CATALOG.reference_kinds() if s.name in kinds])
    if parsed:
        check_targets(live, parsed)
    if accept:
        proposals.check_targets(env, live, chosen)
    if parsed:
        count = write_mappings(env, parsed)
        console.print(f"recorded {count} mappings in {env.relative_folder}/mappings.yaml")
    if accept or reject:
        _review(env, chosen, accept)
    if propose:
        _suggest(env, live)
    if parsed or propose or accept or reject:
        env = _revalidated(root, environment)
    _status(env, reference_status(env, live))


def _revalidated(root: Path, environment: str) -> Environment:
    """The environment read again after mappings.yaml was written: should the new file have a
    problem, say that it was written (the generic "nothing was written" would not be true)."""
    from syncset.config.validate import validate_environment
    from syncset.errors import ConfigError

    try:
        return validate_environment(root, environment)
    except ConfigError as exc:
        lines = [str(p) for p in exc.problems]
        lines.append(
            f"environments/{environment}/mappings.yaml was written and has the problems above: "
            "fix them there (git diff shows what changed)"
        )
        raise SyncsetError("\n".join(lines)) from None


def _refuse_mixed(selectors: list[str], accept: bool, reject: bool, propose: bool) -> None:
    if accept and reject:
        raise SyncsetError("--accept and --reject: choose one")
    if propose and (accept or reject):
        raise SyncsetError(
            "--suggest with --accept/--reject: review the proposals first, then accept them in "
            "a second run (they are written under proposed: in mappings.yaml)"
        )
    if selectors and not (accept or reject):
        raise SyncsetError(
            f"{selectors[0]}: proposals are selected only with --accept or --reject "
            "(to record a mapping use --set KIND:SOURCE=TARGET)"
        )


def _review(env: Environment, chosen: list[proposals.Chosen], accept: bool) -> None:
    from syncset.promotion import proposals

    count = proposals.accept(env, chosen) if accept else proposals.reject(env, chosen)
    for c in chosen:
        if accept:
            console.print(f"  accepted {c.kind} {c.source} → {c.proposal.target}", markup=False)
        else:
            console.print(f"  rejected {c.kind} {c.source} → {c.proposal.target}", markup=False)
    done = "accepted" if accept else "rejected"
    console.print(f"{done} {count} proposals in {env.relative_folder}/mappings.yaml")


def _suggest(env: Environment, live: LiveState) -> None:
    from syncset.promotion.mapping import reference_status, suggest, write_proposals

    found = suggest(reference_status(env, live), live)
    fresh = [s for s in found if not _already_proposed(env, s.kind, s.value)]
    count = write_proposals(env, fresh)
    for s in fresh:
        console.print(
            f"  proposed {s.kind} {s.value} → {s.target} (score {s.score:.2f}, {s.why})",
            markup=False,
        )
    kept = len(found) - len(fresh)
    console.print(
        f"wrote {count} proposals to {env.relative_folder}/mappings.yaml"
        + (f" ({kept} already proposed, left as they are)" if kept else "")
        + f": review them, then syncset map {env.name} --accept"
    )


def _already_proposed(env: Environment, kind: str, value: str) -> bool:
    from syncset.schemas import CATALOG

    spec = CATALOG[kind]
    table = env.mappings.proposed.get(kind, {})
    return any(spec.key_value(source) == spec.key_value(value) for source in table)


def _status(env: Environment, references: list[Reference]) -> None:
    from syncset.plan.model import MappingState

    for reference in references:
        uses = ", ".join(f"{u.record}.{u.field}" for u in reference.used_by)
        target = f" → {reference.target}" if reference.target else ""
        console.print(
            f"  {reference.state.value:<14} {reference.kind} {reference.value}{target}  ({uses})",
            markup=False,
        )
        if reference.proposal is not None:
            p = reference.proposal
            console.print(
                f"  {'':<14} proposed: {p.target} (score {p.score:.2f}), not reviewed yet",
                markup=False,
            )
    unmapped = [r for r in references if r.state is MappingState.UNMAPPED]
    missing = [r for r in references if r.state is MappingState.MISSING_TARGET]
    waiting = [r for r in unmapped if r.proposal is not None]
    console.print(
        f"{env.name}: {len(references)} references, {len(unmapped)} unmapped"
        + (f", {len(missing)} mapped to values missing from the account" if missing else "")
        + (
            f", {len(waiting)} proposals await review (syncset map {env.name} --accept)"
            if waiting
            else ""
        )
    )
    if missing:
        raise typer.Exit(1)
