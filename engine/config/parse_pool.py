"""Parsing many files on every core: the C loader's work shared with forked worker processes.

Parsing is most of a cold plan, and each file is parsed on its own, so a large environment is
split into chunks of files: forked workers take chunks from the end of the list while this
process parses from the front, and they meet wherever both have spent the same time, however
busy each core is. The workers inherit the files' bytes when they are forked and send back
their chunks' trees pickled, which costs a fraction of parsing them. A :class:`FileCheck` is
run on each file where it is parsed, so that what follows parsing (validation) is shared
too; its results come back with the trees.

Only above :data:`PARALLEL_MIN_FILES` files, on Linux with a spare core, from a process running
no other thread: below that, starting a worker costs more than it saves, a ``spawn`` start
(macOS, Windows) would import the whole engine again in each worker, and forking a threaded
process can leave a lock held in the worker. The results are exactly those of
:func:`parse_file`, in the order of the files given, so problems are reported as without the
pool. A worker that dies (killed, out of memory) only makes its chunks parse here.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from syncset.config.yamlio import YamlFileError, decode_text, parse_documents
from syncset.errors import Problem

if TYPE_CHECKING:  # multiprocessing is imported only when a pool starts (start-up time)
    from concurrent.futures import Future

PARALLEL_MIN_FILES = 400
"""Fewer files to parse than this are parsed in this process. Measured on bench/plan.py's
records (2 cores, a loaded machine): starting and stopping a worker costs about 5 ms, and
sharing adds about 15% to the CPU time of parsing, so with a free core the pool saves about
0.4 x the serial parse time minus 5 ms: from about 100 files of 0.11 ms on; 400 leaves a
margin for slower starts (docs/performance.md)."""

CHUNK_FILES = 200
"""Files per chunk: small enough that the two ends meet evenly, large enough that the
per-chunk round trip to a worker stays negligible."""

Parsed = list[Any] | Problem
"""One file's documents as the C loader made them, or the Problem that stopped it."""

Item = tuple[str, bytes]
"""A file's name as shown in messages and its bytes."""

T = TypeVar("T")


class FileCheck(Generic[T]):
    """A function of one file's documents, run where the file is parsed, this process or a
    worker, so that the work after parsing is shared too (validation: config/validate.py),
    and what it gave for each file, by shown name. It runs on a file's documents only when
    they parsed; its None is not kept, nor is anything for a file it raised on: a check only
    saves work done later anyway (validation again here), so its failure must not end a run
    that could finish, nor lose what a worker parsed. In a worker it runs in a forked copy of
    this process: it may read what was built before the fork, and nothing it changes is seen
    here but its result, which must pickle."""

    def __init__(self, run: Callable[[str, list[Any]], T | None]) -> None:
        self.run = run
        self.results: dict[str, T] = {}

    def __call__(self, shown: str, parsed: Parsed) -> T | None:
        if isinstance(parsed, Problem):
            return None
        try:
            return self.run(shown, parsed)
        except Exception:  # the later step meets the same error, where it can say it
            return None


def parse_file(shown: str, raw: bytes) -> Parsed:
    """Decode and parse one file's bytes (see :func:`syncset.config.yamlio.parse_documents`)."""
    try:
        return parse_documents(decode_text(raw, shown), shown)
    except YamlFileError as exc:
        return exc.problem


def parse_files(
    items: Sequence[Item],
    started: Callable[[], None] | None = None,
    check: FileCheck[Any] | None = None,
) -> list[Parsed]:
    """Every file of ``items`` parsed, in order; on several cores when that pays.

    ``started`` is called once parsing is under way and before any file is parsed here: after
    the workers are forked, so that it may start a thread (a plan reads the account in one
    while the files are parsed, see plan/prefetch.py) without that thread being in a fork.
    ``check`` is run on each file as it is parsed, wherever it is; its results are in
    ``check.results``.
    """
    workers = _spare_cores()
    if len(items) < PARALLEL_MIN_FILES or workers == 0:
        if started is not None:
            started()
        return _chunk(items, check)
    return _parse_shared(items, workers, started, check)


ParsedChunk = tuple[list[Parsed], list[Any]]
"""A chunk's files parsed, and what the check made of each (nothing without a check)."""


def _chunk(chunk: Sequence[Item], check: FileCheck[Any] | None) -> list[Parsed]:
    """A chunk parsed here, its check's results kept."""
    parsed, checked = _parsed_and_checked(chunk, check)
    _keep(chunk, checked, check)
    return parsed


def _parsed_and_checked(chunk: Sequence[Item], check: FileCheck[Any] | None) -> ParsedChunk:
    parsed = [parse_file(shown, raw) for shown, raw in chunk]
    if check is None:
        return parsed, []
    return parsed, [check(shown, one) for (shown, _), one in zip(chunk, parsed, strict=True)]


def _keep(chunk: Sequence[Item], checked: list[Any], check: FileCheck[Any] | None) -> None:
    if check is not None:
        for (shown, _), result in zip(chunk, checked, strict=True):
            if result is not None:
                check.results[shown] = result


def _spare_cores() -> int:
    """Cores beside this process's own (at most 7 workers), on Linux, where workers are
    forked (cheap: nothing is imported again); 0 elsewhere, and 0 while other threads run:
    a lock one of them holds at the fork (an import lock, a provider's) would stay held in
    the worker for ever."""
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return 0  # macOS lists fork too, but its system libraries are not safe across it
    return max(0, min(len(os.sched_getaffinity(0)), 8) - 1)


class _Ends:
    """The chunks not yet taken, ``front`` to ``back``, in memory shared with the workers:
    this process takes from the front, the workers from the back."""

    def __init__(self, count: int) -> None:
        import multiprocessing

        self._bounds: Any = multiprocessing.get_context("fork").Array("i", [0, count])

    def take(self, *, front: bool) -> int | None:
        """The next chunk's index from one end, or None when the ends have met. None also
        when the bounds stay locked (a worker killed while holding them): what was not
        delivered is parsed here."""
        lock = self._bounds.get_lock()
        if not lock.acquire(timeout=_LOCK_TIMEOUT):
            return None
        try:
            low, high = self._bounds[0], self._bounds[1]
            if low >= high:
                return None
            if front:
                self._bounds[0] = low + 1
                return int(low)
            self._bounds[1] = high - 1
            return int(high - 1)
        finally:
            lock.release()


_LOCK_TIMEOUT = 5.0

_shared: tuple[list[Sequence[Item]], _Ends, FileCheck[Any] | None] | None = None
"""The chunks and their ends while a pool runs: the workers inherit them when they are forked,
so the files' bytes are never sent to them."""


def _drain() -> list[tuple[int, bytes]]:
    """In a worker: chunks from the back until the ends meet, each chunk's results pickled."""
    assert _shared is not None
    chunks, ends, check = _shared
    done = []
    while (index := ends.take(front=False)) is not None:
        results = _parsed_and_checked(chunks[index], check)
        done.append((index, pickle.dumps(results, pickle.HIGHEST_PROTOCOL)))
    return done


def _parse_shared(
    items: Sequence[Item],
    workers: int,
    started: Callable[[], None] | None,
    check: FileCheck[Any] | None,
) -> list[Parsed]:
    global _shared
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunks = [items[start : start + CHUNK_FILES] for start in range(0, len(items), CHUNK_FILES)]
    try:
        ends = _Ends(len(chunks))
    except OSError:  # no shared memory or semaphores here (some containers)
        if started is not None:
            started()
        return _chunk(items, check)
    done: list[list[Parsed] | None] = [None] * len(chunks)
    _shared = (chunks, ends, check)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            try:
                futures = [pool.submit(_drain) for _ in range(workers)]  # forks the workers
            except OSError:  # no process can be forked now (process or memory limits)
                futures = []  # every chunk is parsed here
            _shared = None
            if started is not None:
                started()  # every worker is forked (fork-context pools fork on first submit)
            while (index := ends.take(front=True)) is not None:
                done[index] = _chunk(chunks[index], check)
            for future in futures:
                for index, pickled in _delivered(future):
                    parsed, checked = pickle.loads(pickled)
                    done[index] = parsed
                    _keep(chunks[index], checked, check)
    finally:
        _shared = None
    return [
        parsed
        for index, results in enumerate(done)
        for parsed in (results if results is not None else _chunk(chunks[index], check))
    ]


def _delivered(future: Future[list[tuple[int, bytes]]]) -> list[tuple[int, bytes]]:
    """What one worker parsed; nothing when it died (its chunks are parsed here instead)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        return []
