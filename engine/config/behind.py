"""Cache files written behind the command: by a forked child, while the command goes on.

Writing the parse cache and the stored plan (pickling them, then an atomic write with its
fsync) is a tenth of a cold plan, and nothing the command shows depends on it. So on Linux a
child process forked from this one (a copy of it, made in a few milliseconds) pickles and
writes the file while this one resolves, plans and renders, on the second core. The child
touches nothing but the value it pickles and the file it writes, and leaves with
``os._exit`` (no ``finally`` of ours, no ``atexit``, no buffered output flushed twice).

A fork is made only from a process running no other thread: a lock another thread holds at the
fork would stay held in the child for ever (the parse pool keeps the same rule). Otherwise
(another thread, macOS, Windows) the file is written here, as before. A reader of these files
in this process, and the end of the command, first wait for the children (:func:`written`),
so that what a run wrote is what the next one reads, in this process or the next one.
Failures are dropped either way: a cache that is not written only makes the next run slower.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from syncset.errors import SyncsetError
from syncset.safepath import atomic_write_bytes

_writing: list[int] = []
"""The children still writing (their pids)."""
_waited_at_exit = False


def write_behind(path: Path, body: Callable[[], bytes]) -> None:
    """``body()`` written to ``path`` atomically: by a child when one can be forked safely,
    else here; a failure is dropped."""
    if _may_fork():
        try:
            pid = os.fork()
        except OSError:  # no process can be forked now: write it here
            pid = -1
        if pid == 0:  # the child
            code = 1
            try:
                atomic_write_bytes(path, body())
                code = 0
            except BaseException:
                pass
            finally:
                os._exit(code)
        if pid > 0:
            global _waited_at_exit
            if not _waited_at_exit:
                atexit.register(written)
                _waited_at_exit = True
            _writing.append(pid)
            return
    with contextlib.suppress(SyncsetError):  # a read-only checkout still plans
        atomic_write_bytes(path, body())


def written() -> None:
    """Wait until every file being written behind is written (or given up)."""
    while _writing:
        pid = _writing.pop()
        with contextlib.suppress(ChildProcessError, InterruptedError):
            os.waitpid(pid, 0)


def _may_fork() -> bool:
    return sys.platform.startswith("linux") and threading.active_count() == 1
