"""The command line: the edge where output formats are chosen and errors become exit codes.

Each command module registers itself on :data:`app` when imported below. :func:`main` catches
:class:`syncset.errors.SyncsetError` and usage errors and nothing else: a traceback for anything
else is a bug. Exit codes: 0 success (no changes), 1 error, 2 changes (``--detailed-exitcode``).
Everything a command writes to stdout and stderr passes the process's secret masker
(:func:`syncset.secrets.masked_std_streams`): the last net under every other mask.

Every command module is imported for every run (typer builds the whole command tree), so a
command module imports at its top only what typer reads from the signatures (the shared
options, the Format enum, its own option enums) and imports the engine inside the command:
``--help`` and a small ``validate`` must not pay for git, the HTTP stack, the differ or the
journal (docs/performance.md, Start-up; tests/system/test_startup_imports.py holds this).
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any

import typer
import typer.main

# Importing a command module registers its commands on the app.
from syncset.cli import (  # noqa: F401
    apply_cmd,
    ci_cmd,
    compare_cmd,
    drift_cmd,
    environments_cmd,
    graph_cmd,
    init_cmd,
    map_cmd,
    ping_cmd,
    plan_cmd,
    promote_cmd,
    sandbox_cmd,
    snapshot_cmd,
    syncset_cmd,
    validate_cmd,
)
from syncset.cli.annotations import annotation, in_github_actions
from syncset.cli.app import app, console_err
from syncset.errors import ConfigError, SyncsetError
from syncset.secrets import masked_std_streams

__all__ = ["app", "main"]


@functools.cache
def _command() -> Any:
    """The click command tree, built from :data:`app` once per process.

    ``app(...)`` builds it anew on every call (20 ms, from every command's signature), which
    the demo and the in-process tests paid for every command they ran. Calling the tree
    directly is what ``app(...)`` does besides, since the app's pretty tracebacks are off.
    """
    return typer.main.get_command(app)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    with masked_std_streams():
        _tell_waits()
        _run(argv)


class _StderrWarnings(logging.Handler):
    """The HTTP layer's warnings (what it waits for, until when) on stderr, through the masked
    console, so a command that goes quiet for minutes says why."""

    def emit(self, record: logging.LogRecord) -> None:
        console_err.print(f"warning: {record.getMessage()}", markup=False, highlight=False)


def _tell_waits() -> None:
    http_log = logging.getLogger("syncset.http")
    if not any(isinstance(h, _StderrWarnings) for h in http_log.handlers):
        handler = _StderrWarnings(logging.WARNING)
        http_log.addHandler(handler)


def _run(argv: list[str] | None) -> None:
    try:
        # Outside standalone mode click *returns* the code of a typer.Exit instead of raising.
        code = _command()(args=argv, standalone_mode=False)
    except SyncsetError as exc:
        console_err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        if isinstance(exc, ConfigError) and in_github_actions():
            for problem in exc.problems:
                console_err.print(annotation(problem), markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        console_err.print("aborted: nothing more was done", markup=False)
        sys.exit(130)
    except typer.TyperException as exc:
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            console_err.print(f"error: {exc}", markup=False)
        # Usage errors exit 1, not click's 2: 2 means "changes present" to CI scripts.
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
