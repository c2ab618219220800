"""How an apply reports each finished record: a moving count on a terminal, a line per record
elsewhere.

A person at a terminal wants n/N, the failures so far and an ETA, not 2,000 scrolling lines; a
CI log (or a pipe) wants the plain lines, which stay greppable. rich's Progress draws the bar;
failed records are still printed as lines above it, since they are what one reads after.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from rich.console import Console

from syncset.cli.app import console

if TYPE_CHECKING:  # rich.progress costs start-up time (``syncset --help``); start() imports it
    from rich.progress import Progress, TaskID

    from syncset.apply.run import RecordResult


_drawing: Console | None = None
"""The console a moving count is drawn on now, if any (see :func:`drawing_console`)."""


def drawing_console() -> Console | None:
    """The console an apply's moving count is drawn on now: a message printed elsewhere on the
    same screen (stderr) would be glued to the end of the count, so it goes through this one."""
    return _drawing


def live_progress_wanted(target: Console = console) -> bool:
    """A terminal, and not a CI runner (they often fake a TTY and keep every redraw)."""
    in_ci = os.environ.get("CI", "").lower() in ("true", "1") or bool(
        os.environ.get("GITHUB_ACTIONS")
    )
    return target.is_terminal and not target.is_dumb_terminal and not in_ci


class ApplyProgress(AbstractContextManager["ApplyProgress"]):
    """The per-record hook of an apply; :meth:`start` is called once N is known."""

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._failed = 0

    def start(self, total: int) -> None:
        if not live_progress_wanted():
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("applying"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._task = self._bar.add_task("apply", total=total, failed=0)
        self._bar.start()
        global _drawing
        _drawing = console

    def record(self, result: RecordResult) -> None:
        from syncset.apply.report import Outcome
        from syncset.render.report import result_line

        if self._bar is None or self._task is None:
            console.print(result_line(result), markup=False)
            return
        if result.outcome is not Outcome.APPLIED:
            self._failed += result.outcome is Outcome.FAILED
            self._bar.console.print(result_line(result), markup=False)
        self._bar.update(self._task, advance=1, failed=self._failed)

    def __exit__(self, *exc: object) -> None:
        global _drawing
        if self._bar is not None:
            _drawing = None
            self._bar.stop()
