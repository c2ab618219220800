"""The command line: the edge where output formats are chosen and errors become exit codes.

Each command module registers itself on :data:`app`. Commands catch nothing but
:class:`engine.errors.SyncsetError` (in :func:`main`): a traceback for anything else is a bug.
"""

from __future__ import annotations

import sys

import typer

# Importing the command modules registers their commands on the app.
from engine.cli import validate_cmd as _validate_cmd  # noqa: F401
from engine.cli.app import app, console_err
from engine.errors import SyncsetError

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Console entry point: runs the app and turns a SyncsetError into a message and exit 1."""
    try:
        app(args=argv, standalone_mode=False)
    except SyncsetError as exc:
        console_err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        console_err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click's usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
