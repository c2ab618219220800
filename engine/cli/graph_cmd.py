"""``syncset graph [ENV]``: the records' dependency graph as Mermaid or DOT; no network."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from syncset.cli.app import app, console
from syncset.cli.options import SyncSetOption
from syncset.errors import RepositoryError

# The engine is imported inside the command: start-up (see syncset.cli).


class GraphFormat(StrEnum):
    MERMAID = "mermaid"
    DOT = "dot"


@app.command()
def graph(
    environment: Annotated[
        str | None,
        typer.Argument(help="Environment (default: the first of the promotion chain, e.g. dev)."),
    ] = None,
    sync_set: SyncSetOption = None,
    fmt: Annotated[
        GraphFormat, typer.Option("--format", "-f", help="mermaid (GitHub renders it) or dot.")
    ] = GraphFormat.MERMAID,
) -> None:
    """Print which records reference which: the order apply writes them in."""
    from syncset.ci.plan import promotion_order
    from syncset.config.load import environment_names, find_root, select_environment
    from syncset.config.syncsets import closure, get_syncset
    from syncset.config.validate import validate_environment
    from syncset.render.graph import dot, mermaid, record_graph

    root = find_root()
    if environment is None:
        names = promotion_order(root, environment_names(root))
        if not names:
            raise RepositoryError("no environments: create environments/<name>/environment.yaml")
        environment = names[0]
    environment = select_environment(root, environment, "graph")
    env = validate_environment(root, environment)
    only = closure(env, get_syncset(root, sync_set)).records if sync_set else None
    result = record_graph(env, only)
    console.print(
        mermaid(result) if fmt is GraphFormat.MERMAID else dot(result), markup=False, end=""
    )
