"""What a person at a terminal sees while a command reads the files and the account.

Planning 2,000 records takes seconds before the first line of the plan; without this the
terminal stays blank meanwhile. The engine reports how far it is through
:mod:`syncset.progress_events` (files parsed, kinds listed); :class:`ReadingProgress`
installs an observer that draws those counts with rich on **stderr**, so stdout stays the
command's result (``plan --format json | jq`` is never corrupted). Between the counted steps
a line says what is going on (checking the records, planning, rendering the plan).

Off a terminal, on a dumb terminal and in CI nothing is drawn and no observer is installed:
logs keep only what the command prints. The display is transient: :meth:`stop` erases it
before the command prints its result or asks a question.
"""

from __future__ import annotations

import threading
import time
from contextlib import AbstractContextManager, ExitStack
from typing import TYPE_CHECKING

from rich.console import Console

from syncset.cli.app import console_err
from syncset.cli.progress import live_progress_wanted
from syncset.progress_events import Progress, Step, observing

if TYPE_CHECKING:  # rich.progress costs start-up time (``syncset --help``); _start imports it
    import rich.progress

LABELS = {Step.FILES: ("reading the files", "files"), Step.KINDS: ("reading the account", "kinds")}
"""Each counted step's line: what it does, and what it counts."""
AFTER = {Step.FILES: "checking the records", Step.KINDS: "planning"}
"""What runs, uncounted, once a step is complete."""


class ReadingProgress(AbstractContextManager["ReadingProgress"]):
    """The display of a command's reading steps; use it as a ``with`` block around them."""

    def __init__(self, target: Console = console_err) -> None:
        self._target = target
        self._lock = threading.Lock()
        self._drawn = 0.0
        self._stack = ExitStack()
        self._bar: rich.progress.Progress | None = None
        self._tasks: dict[str, rich.progress.TaskID] = {}
        self._complete: dict[Step, bool] = {}
        self._stopped = False

    def __enter__(self) -> ReadingProgress:
        if live_progress_wanted(self._target):
            self._stack.enter_context(observing(self.observe))
        else:
            self._stopped = True
        return self

    def observe(self, event: Progress) -> None:
        """The observer; called from worker threads too, hence the lock."""
        label, unit = LABELS[event.step]
        with self._lock:
            if self._stopped:
                return
            bar = self._bar or self._start()
            task = self._tasks.get(event.step)
            if (task is None or event.done == 0) and "phase" in self._tasks:
                bar.remove_task(self._tasks.pop("phase"))  # over: the step (re)starting runs
            if task is None:
                task = self._tasks[event.step] = bar.add_task(label, count="")
            count = f"{event.done}/{event.total} {unit} {event.item}".rstrip()
            bar.update(task, completed=event.done, total=event.total, count=count)
            self._complete[event.step] = event.done >= event.total
            # The account is read while the files parse: what comes next is said once both
            # counts are complete (the files' count always comes, the account's may be first).
            if Step.FILES in self._complete and all(self._complete.values()):
                self._phase(AFTER[event.step])
            self._redraw(bar, force=event.done in (0, event.total))

    def phase(self, text: str) -> None:
        """Say what the command does now (an uncounted step, such as rendering the plan)."""
        with self._lock:
            if not self._stopped:
                self._phase(text)

    def stop(self) -> None:
        """Erase the display and stop observing; before the command prints or asks."""
        with self._lock:
            self._stopped = True
            bar, self._bar = self._bar, None
            if bar is not None:
                bar.stop()
        self._stack.close()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _phase(self, text: str) -> None:
        bar = self._bar or self._start()
        task = self._tasks.get("phase")
        if task is None:
            task = self._tasks["phase"] = bar.add_task(text, total=None, count="")
        bar.update(task, description=text)
        self._redraw(bar, force=True)

    def _redraw(self, bar: rich.progress.Progress, *, force: bool = False) -> None:
        """At most ten redraws a second (10,000 files must not mean 10,000 redraws)."""
        now = time.monotonic()
        if force or now - self._drawn >= 0.1:
            self._drawn = now
            bar.refresh()

    def _start(self) -> rich.progress.Progress:
        from rich.console import RenderableType
        from rich.progress import BarColumn, ProgressColumn, SpinnerColumn, TextColumn
        from rich.progress import Progress as Bar
        from rich.text import Text

        class CountedBar(ProgressColumn):
            """A bar for the counted steps; the uncounted phase line has only its spinner."""

            bar = BarColumn()

            def render(self, task: rich.progress.Task) -> RenderableType:
                return Text("") if task.total is None else self.bar.render(task)

        self._bar = Bar(
            SpinnerColumn(finished_text=" "),
            TextColumn("{task.description}"),
            CountedBar(),
            TextColumn("{task.fields[count]}"),
            console=self._target,
            transient=True,
            # No refresh thread: the parse pool forks only while no other thread runs (a lock
            # held at the fork stays held in the worker), so the display redraws as told.
            auto_refresh=False,
            redirect_stdout=False,  # stdout is the result: never routed through the display
            redirect_stderr=False,
        )
        self._bar.start()
        return self._bar
