"""How far the slow steps of a command have got, for whoever wants to show it.

Reading an environment's files and reading its account take seconds at a few thousand records.
The engine does not print (only the command line does, see engine/cli/), so the phases that
take the time only *tell* how far they are: :func:`notify` with a step, the items done and the
items in all. The command line installs an observer for the duration of a command
(:func:`observing`) and draws a progress display on a terminal; with no observer installed
(tests, the library, CI) :func:`notify` costs one global lookup.

Why a module-level observer and not a parameter threaded through every call: the phases that
report (config/load.py, plan/resolve.py) are called from several places, and a callback in
each signature on the way would touch them all (decK's bool threaded through every step is
what the style guide warns against). Observers may be called from worker threads (parsing in a
pool, kinds read concurrently): they must be thread-safe and quick, and must never raise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    """The slow steps that report progress, in the order a plan meets them."""

    FILES = "files"
    """The environment's record files parsed (``done`` of ``total`` files)."""
    KINDS = "kinds"
    """The account's kinds listed (``done`` of ``total`` kinds); ``item`` is the last one."""


@dataclass(frozen=True, slots=True)
class Progress:
    """One report: ``done`` of ``total`` items of ``step``; ``item`` names the one just done."""

    step: Step
    done: int
    total: int
    item: str = ""


Observer = Callable[[Progress], None]

_observer: Observer | None = None


def notify(step: Step, done: int, total: int, item: str = "") -> None:
    """Tell the installed observer, if any, how far ``step`` has got."""
    observer = _observer
    if observer is not None:
        observer(Progress(step, done, total, item))


@contextmanager
def observing(observer: Observer) -> Iterator[None]:
    """Install ``observer`` for the duration of the block (the previous one comes back)."""
    global _observer
    previous, _observer = _observer, observer
    try:
        yield
    finally:
        _observer = previous
