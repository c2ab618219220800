"""Cache files written behind the command (config/behind.py): by a forked child while this
process goes on, in place once :func:`written` returns, never half-written, and written here
instead whenever another thread runs."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from syncset.config import behind

forks = pytest.mark.skipif(
    not sys.platform.startswith("linux") or threading.active_count() > 1,
    reason="files are written behind only by a forked child on Linux, from one thread",
)


@forks
def test_the_file_is_written_by_a_child_while_this_process_goes_on(tmp_path: Path) -> None:
    target = tmp_path / ".syncset" / "cache" / "x.parse"

    def slow() -> bytes:
        time.sleep(0.5)
        return b"the body"

    started = time.monotonic()
    behind.write_behind(target, slow)
    assert time.monotonic() - started < 0.4  # did not wait for the body
    assert behind._writing  # a child is writing
    behind.written()
    assert target.read_bytes() == b"the body"
    assert not behind._writing


@forks
def test_a_body_that_fails_leaves_nothing_and_the_file_before_stays(tmp_path: Path) -> None:
    target = tmp_path / ".syncset" / "cache" / "x.parse"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"before")

    def broken() -> bytes:
        raise RuntimeError("pickling failed")

    behind.write_behind(target, broken)
    behind.written()
    assert target.read_bytes() == b"before"
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.parse"]


def test_with_another_thread_running_the_file_is_written_here(tmp_path: Path) -> None:
    target = tmp_path / ".syncset" / "cache" / "x.parse"
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        behind.write_behind(target, lambda: b"written here")
        assert not behind._writing
        assert target.read_bytes() == b"written here"
    finally:
        release.set()
        other.join()


def test_a_file_that_cannot_be_written_is_only_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / ".syncset"
    blocker.write_text("a file where the folder should be")
    behind.write_behind(blocker / "cache" / "x.parse", lambda: b"body")
    behind.written()
    assert blocker.read_text() == "a file where the folder should be"
