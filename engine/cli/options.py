"""Options shared by several commands, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

from syncset.formats import Format

FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="text (terminal), markdown (PR comment) or json.")
]
KindOption = Annotated[
    list[str] | None, typer.Option("--kind", help="Only records of this kind (repeatable).")
]
IdOption = Annotated[
    list[str] | None, typer.Option("--id", help="Only this record, as KIND/ID (repeatable).")
]
SyncSetOption = Annotated[
    str | None, typer.Option("--sync-set", help="Only the records of this sync set.")
]
RekeyOption = Annotated[
    bool,
    typer.Option(
        "--rekey",
        help="Move records whose id changed in the YAML: rewrite the marker, never re-create.",
    ),
]
