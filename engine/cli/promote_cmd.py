"""``syncset promote SRC DST``: records carried to the next environment on a git branch.

DST may be a glob (``'customers/*'``): when it selects several environments the promotion is
one branch with a commit per destination (:mod:`syncset.promotion.fanout`); when it selects one,
it is the promotion to one environment, exactly as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncset.cli.app import app, console
from syncset.cli.options import IdOption, SyncSetOption
from syncset.errors import SyncsetError

if TYPE_CHECKING:
    from syncset.plan.resolve import Reference

# The engine is imported inside the command: start-up (see syncset.cli).


def destination_references(root: Path, destination: str) -> tuple[list[Reference] | None, str]:
    """Mapping status of the destination after the promotion, or why it is unknown."""
    from syncset.config.validate import validate_environment
    from syncset.promotion.mapping import reference_status
    from syncset.workflow import read_reference_data

    try:
        env = validate_environment(root, destination)
        live = read_reference_data(env, env.reference_kinds_used())
    except SyncsetError as exc:
        return None, str(exc).splitlines()[0]
    return reference_status(env, live), ""


@app.command("promote")
def promote_command(
    source: Annotated[str, typer.Argument(help="The environment to promote from.")],
    destination: Annotated[
        str,
        typer.Argument(
            help="The environment to promote to, or a glob ('customers/*') for many: one "
            "branch, a commit per environment."
        ),
    ],
    sync_set: SyncSetOption = None,
    ids: IdOption = None,
    no_commit: Annotated[
        bool, typer.Option("--no-commit", help="Leave the changes in the working tree.")
    ] = False,
    pr_body: Annotated[
        Path | None, typer.Option("--pr-body", help="Write the pull request description here.")
    ] = None,
) -> None:
    """Copy records SRC → DST (default: every record that differs) on a new git branch."""
    from syncset.config.load import find_root, select_environment, select_environments
    from syncset.promotion.promote import promote
    from syncset.render.promotion import promotion_markdown
    from syncset.safepath import atomic_write_text

    root = find_root()
    source = select_environment(root, source, "promote")
    destinations = select_environments(root, [destination])
    if sync_set and ids:
        raise SyncsetError("use --sync-set or --id, not both")
    if len(destinations) > 1:
        _promote_many(root, source, destination, destinations, sync_set, ids, no_commit, pr_body)
        return
    destination = destinations[0]
    promotion = promote(
        root, source, destination, sync_set=sync_set, ids=tuple(ids or ()), commit=not no_commit
    )
    if not promotion.records:
        console.print(f"Nothing to promote: {destination} already has {source}'s records.")
        return
    references, unreachable = destination_references(root, destination)
    body = promotion_markdown(promotion, references, unreachable)
    if pr_body is not None:
        atomic_write_text(pr_body, body)
    console.print(body, markup=False, end="")
    if promotion.branch:
        console.print(f"Created branch {promotion.branch}: git push -u origin {promotion.branch}")
    else:
        console.print("Changes left in the working tree (--no-commit).")


def _promote_many(
    root: Path,
    source: str,
    pattern: str,
    destinations: list[str],
    sync_set: str | None,
    ids: list[str] | None,
    no_commit: bool,
    pr_body: Path | None,
) -> None:
    from syncset.promotion.fanout import promote_many
    from syncset.render.fanout import fanout_markdown
    from syncset.safepath import atomic_write_text
    from syncset.workflow import read_reference_data

    fan = promote_many(
        root,
        source,
        destinations,
        read_reference_data,
        pattern=pattern,
        sync_set=sync_set,
        ids=tuple(ids or ()),
        commit=not no_commit,
    )
    if not fan.targets:
        console.print(
            f"Nothing to promote: {', '.join(fan.up_to_date)} already have {source}'s records."
        )
        return
    body = fanout_markdown(fan)
    if pr_body is not None:
        atomic_write_text(pr_body, body)
    console.print(body, markup=False, end="")
    if fan.branch:
        count = len(fan.targets)
        console.print(
            f"Created branch {fan.branch} with {count} commits, one per environment: "
            f"git push -u origin {fan.branch}"
        )
    else:
        console.print("Changes left in the working tree (--no-commit).")
