"""``syncset plan``: desired state against the live account."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from syncset.cli.app import app, console, terminal_style
from syncset.cli.options import FormatOption, IdOption, KindOption, RekeyOption, SyncSetOption
from syncset.formats import Format

# The engine is imported inside the command: start-up (see syncset.cli).


@app.command()
def plan(
    environment: Annotated[
        str, typer.Argument(help="The environment to plan (a name, or a glob that selects one).")
    ],
    out: Annotated[Path | None, typer.Option("--out", help="Save the plan as JSON.")] = None,
    fmt: FormatOption = Format.TEXT,
    detailed_exitcode: Annotated[
        bool,
        typer.Option("--detailed-exitcode", help="Exit 2 when there are changes (0 when none)."),
    ] = False,
    kind: KindOption = None,
    ids: IdOption = None,
    sync_set: SyncSetOption = None,
    changed_since: Annotated[
        str | None,
        typer.Option(
            "--changed-since",
            help="Only records in files changed since this git ref, and what references them.",
        ),
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Plan from scratch: parse every file again and reuse no earlier plan; do not "
            "read or write .syncset/cache/ (also SYNCSET_NO_CACHE=1).",
        ),
    ] = False,
    rekey: RekeyOption = False,
) -> None:
    """Compare an environment with its live account; exit 0 / 1 error / 2 changes."""
    from syncset.cli.reading import ReadingProgress
    from syncset.config.load import find_root, select_environment
    from syncset.plan.model import Selection
    from syncset.plan.selection import check_selection
    from syncset.render import render_plan
    from syncset.workflow import plan_environment

    root = find_root()
    selection = Selection(
        kinds=tuple(kind or ()),
        ids=tuple(ids or ()),
        sync_set=sync_set,
        changed_since=changed_since,
    )
    check_selection(selection)
    environment = select_environment(root, environment, "plan")
    reading = ReadingProgress()  # on a terminal: files and kinds read so far, on stderr
    with (
        reading,
        plan_environment(
            root,
            environment,
            selection,
            rekey=rekey,
            parse_cache=False if no_cache else None,
            reuse=True,
        ) as run,
    ):
        result = run.plan
        if out is not None:
            result.save(out)
        color, width = terminal_style()
        reading.phase("rendering the plan")
        rendered = render_plan(result, fmt, color=color, width=width)
        reading.stop()
        console.print(
            rendered,
            markup=False,
            highlight=False,
            end="",
            soft_wrap=True,
        )
    if detailed_exitcode and result.out_of_sync:
        raise typer.Exit(2)


@app.command()
def show(
    plan_file: Annotated[
        Path, typer.Argument(help="A plan saved with plan --out.", metavar="PLAN")
    ],
    fmt: FormatOption = Format.TEXT,
) -> None:
    """Render a saved plan (text, markdown or json) without reading any account."""
    from syncset.plan.model import load_plan
    from syncset.render import render_plan

    saved = load_plan(plan_file, str(plan_file))
    console.print(
        render_plan(saved, fmt, color=console.is_terminal and not console.no_color),
        markup=False,
        highlight=False,
        end="",
        soft_wrap=True,
    )
