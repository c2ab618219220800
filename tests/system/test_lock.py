"""One apply (or rollback) per environment at a time: holder, waiting, dead holders, garbage."""

from __future__ import annotations

import json
import multiprocessing
import os
import pty
import select
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from plan_apply_helpers import (
    SYNCSET,
    copy_seed,
    duplicates,
    load_people,
    lock_held_by,
    make_plan,
    pending,
    run_syncset,
    seed_people,
    syncset_environ,
)

from syncset.apply.lock import environment_lock, lock_path
from syncset.errors import LockError


def holder(pid: int, **extra: object) -> dict[str, object]:
    return {
        "owner": "alice",
        "pid": pid,
        "host": socket.gethostname(),
        "command": "apply",
        "started_at": "2026-11-20T10:00:00Z",
        "started_epoch": time.time(),
        **extra,
    }


def write_lock(root: Path, body: object) -> Path:
    path = lock_path(root, "dev")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body) if not isinstance(body, bytes | str) else body)
    return path


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


# -- the lock itself --------------------------------------------------------------------------


def test_the_lock_file_names_its_holder_and_is_removed_afterwards(tmp_path):
    path = lock_path(tmp_path, "dev")

    with environment_lock(tmp_path, "dev", "apply"):
        body = json.loads(path.read_text())

    assert body["pid"] == os.getpid()
    assert body["host"] == socket.gethostname()
    assert body["command"] == "apply"
    assert body["owner"] and body["started_at"].endswith("Z")
    assert not path.exists()


def test_the_lock_is_released_when_the_apply_raises(tmp_path):
    with pytest.raises(RuntimeError), environment_lock(tmp_path, "dev", "apply"):
        raise RuntimeError("boom")

    assert not lock_path(tmp_path, "dev").exists()


def test_a_held_lock_is_refused_with_who_holds_it_and_since_when(tmp_path):
    with (
        lock_held_by(tmp_path, holder(os.getpid())),
        pytest.raises(LockError) as caught,
        environment_lock(tmp_path, "dev", "apply"),
    ):
        pass

    assert str(caught.value) == (
        f"dev is locked by alice (pid {os.getpid()} on {socket.gethostname()}, apply) since "
        "2026-11-20T10:00:00Z: wait for it, or pass --lock-timeout SECONDS"
    )


def test_a_held_lock_is_waited_for_up_to_the_timeout(tmp_path):
    started = time.monotonic()

    with (
        lock_held_by(tmp_path, holder(os.getpid())),
        pytest.raises(LockError),
        environment_lock(tmp_path, "dev", "apply", timeout=0.6),
    ):
        pass

    assert time.monotonic() - started >= 0.6


def test_a_waiting_apply_goes_on_as_soon_as_the_holder_releases(tmp_path):
    release = threading.Event()
    held = threading.Event()

    def first() -> None:
        with environment_lock(tmp_path, "dev", "apply"):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(5)
    threading.Timer(0.3, release.set).start()

    with environment_lock(tmp_path, "dev", "rollback", timeout=5):
        body = json.loads(lock_path(tmp_path, "dev").read_text())
    thread.join()

    assert body["command"] == "rollback"


def test_a_lock_left_by_a_dead_process_is_taken_over_with_a_warning(tmp_path):
    pid = dead_pid()
    write_lock(tmp_path, holder(pid))
    warnings: list[str] = []

    with environment_lock(tmp_path, "dev", "apply", warn=warnings.append):
        assert json.loads(lock_path(tmp_path, "dev").read_text())["pid"] == os.getpid()

    assert warnings == [
        f"taking over the lock of dev held by alice (pid {pid} on {socket.gethostname()}): "
        "its process is gone (the operating system released its lock)"
    ]


def test_a_zombie_holders_lock_does_not_count_as_live(tmp_path):
    pid = os.fork()
    if pid == 0:  # the child takes the lock and ends without releasing it; nobody reaps it yet
        with environment_lock(tmp_path, "dev", "apply"):
            os._exit(0)
    try:
        deadline = time.monotonic() + 10
        while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            assert time.monotonic() < deadline, "the child did not end"
            time.sleep(0.01)
        warnings: list[str] = []

        with environment_lock(tmp_path, "dev", "apply", warn=warnings.append):
            held = json.loads(lock_path(tmp_path, "dev").read_text())["pid"]
    finally:
        os.waitpid(pid, 0)

    assert held == os.getpid()
    assert len(warnings) == 1 and f"(pid {pid} on" in warnings[0]


def test_a_lock_held_with_another_hosts_record_is_refused(tmp_path):
    with (
        lock_held_by(tmp_path, holder(dead_pid(), host="ci-runner-7")),
        pytest.raises(LockError, match="locked by alice"),
        environment_lock(tmp_path, "dev", "x"),
    ):
        pass


@pytest.mark.parametrize("content", ["garbage\x00\xff", "[1, 2]", '{"owner": "x"}'])
def test_a_lock_file_with_garbage_is_a_clear_message_and_is_left_alone(tmp_path, content):
    path = write_lock(tmp_path, content)

    with pytest.raises(LockError) as caught, environment_lock(tmp_path, "dev", "apply"):
        pass

    assert str(caught.value) == (
        "lock file .syncset/locks/dev.lock is unreadable (not a syncset lock): if no apply is "
        "running for dev, remove the file and run again"
    )
    assert path.read_text() == content


ROUNDS, CONTENDERS = 30, 4


def _contend(root: str, barrier, outcomes) -> None:
    """One contender: ROUNDS races, each started by all contenders together at the barrier.

    A round ends for everyone before the next starts: the holder releases before it comes back
    to the barrier, so each race starts from no lock file, as with fresh processes.
    """
    for _ in range(ROUNDS):
        barrier.wait(10)
        try:
            with environment_lock(Path(root), "dev", "apply"):
                time.sleep(0.01)
            outcomes.put("held")
        except LockError as exc:
            outcomes.put("garbage" if "unreadable" in str(exc) else "locked")


def test_contenders_that_lose_the_race_are_told_who_holds_the_lock(tmp_path):
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(CONTENDERS)
    outcomes = context.Queue()
    processes = [
        context.Process(target=_contend, args=(str(tmp_path), barrier, outcomes))
        for _ in range(CONTENDERS)
    ]
    for process in processes:
        process.start()
    seen = [outcomes.get(timeout=10) for _ in range(ROUNDS * CONTENDERS)]
    for process in processes:
        process.join(10)

    assert "garbage" not in seen, seen.count("garbage")
    assert seen.count("held") >= ROUNDS, "every round had a holder: the races really ran"


def _take_over(root: str, barrier, inside, most, outcomes) -> None:
    """One contender for a lock left by a dead process: counts how many hold it at once."""
    for _ in range(ROUNDS):
        barrier.wait(10)
        try:
            with environment_lock(Path(root), "dev", "apply", timeout=5):
                with inside.get_lock():
                    inside.value += 1
                    most.value = max(most.value, inside.value)
                time.sleep(0.005)
                with inside.get_lock():
                    inside.value -= 1
            outcomes.put("held")
        except LockError:
            outcomes.put("locked")
        if barrier.wait(10) == 0:  # one contender leaves the next round a stale lock again
            write_lock(Path(root), holder(DEAD_PID))


DEAD_PID = dead_pid()


def test_taking_over_a_dead_holders_lock_never_lets_two_processes_hold_it(tmp_path):
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(CONTENDERS)
    inside, most = context.Value("i", 0), context.Value("i", 0)
    outcomes = context.Queue()
    write_lock(tmp_path, holder(DEAD_PID))
    processes = [
        context.Process(target=_take_over, args=(str(tmp_path), barrier, inside, most, outcomes))
        for _ in range(CONTENDERS)
    ]
    for process in processes:
        process.start()
    seen = [outcomes.get(timeout=30) for _ in range(ROUNDS * CONTENDERS)]
    for process in processes:
        process.join(10)

    assert seen.count("held") == ROUNDS * CONTENDERS, "each waited its turn"
    assert most.value == 1


# -- two applies ------------------------------------------------------------------------------


@pytest.fixture
def seed(repo):
    copy_seed(repo.root)
    load_people(repo.root, seed_people("wdc-people"))
    return repo


class Waiting:
    """``syncset apply dev`` on a terminal, holding the lock while it waits for 'yes'."""

    def __init__(self, root: Path) -> None:
        self.leader, follower = pty.openpty()
        self.process = subprocess.Popen(
            [str(SYNCSET), "apply", "dev"],
            cwd=root,
            env=syncset_environ(root),
            stdin=follower,
            stdout=follower,
            stderr=follower,
        )
        os.close(follower)
        self.output = b""

    def read_until(self, text: bytes, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            ready, _, _ = select.select([self.leader], [], [], max(0, deadline - time.monotonic()))
            assert ready, self.output.decode(errors="replace")
            try:
                self.output += os.read(self.leader, 65536)
            except OSError:
                break
        assert text in self.output, self.output.decode(errors="replace")

    def answer(self, text: str) -> int:
        os.write(self.leader, text.encode() + b"\n")
        try:
            self.read_until(b"Journal:")
        finally:
            code = self.process.wait(timeout=30)
            os.close(self.leader)
        return code


def test_a_second_apply_is_refused_while_the_first_holds_the_lock(seed):
    first = Waiting(seed.root)
    first.read_until(b"Only 'yes' will be accepted")

    second = run_syncset(seed.root, "apply", "dev", "--auto-approve")
    first.answer("yes")

    assert second.returncode == 1
    assert second.stderr.startswith("error: dev is locked by ")
    assert f"(pid {first.process.pid} on {socket.gethostname()}, apply) since " in second.stderr
    assert "or pass --lock-timeout SECONDS" in second.stderr
    assert second.stdout == ""


def first_line(stream: Any, timeout: float) -> str:
    """The next line of a process's stream, or "" when none comes within ``timeout``."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else ""


def test_concurrent_applies_are_serialised_by_the_lock(seed):
    first = Waiting(seed.root)
    first.read_until(b"Only 'yes' will be accepted")
    second = subprocess.Popen(
        [str(SYNCSET), "apply", "dev", "--auto-approve", "--lock-timeout", "60"],
        cwd=seed.root,
        env=syncset_environ(seed.root),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    notice = first_line(second.stderr, timeout=30)  # the second apply says it waits, then waits
    assert "dev is locked by" in notice and "waiting up to 60 s for it" in notice, notice
    assert second.poll() is None, "the second apply must wait, not fail"

    assert first.answer("yes") == 0
    out, err = second.communicate(timeout=60)

    assert second.returncode == 0, err
    assert b"Apply of dev: Completed (7 applied" in first.output
    assert "No changes: the account already matches." in out
    assert duplicates(seed.root) == {}
    assert pending(make_plan(seed.root)) == {}


def test_apply_with_a_garbage_lock_file_is_refused_with_a_clear_message(seed, cli):
    write_lock(seed.root, "not a lock")

    result = cli("apply", "dev", "--auto-approve")

    assert result.code == 1
    assert result.err == (
        "error: lock file .syncset/locks/dev.lock is unreadable (not a syncset lock): if no "
        "apply is running for dev, remove the file and run again\n"
    )
    assert not (seed.root / ".syncset/journal").exists()


def test_rollback_takes_the_same_lock(seed, cli):
    assert cli("apply", "dev", "--auto-approve").code == 0
    (journal,) = (seed.root / ".syncset/journal/dev").glob("*.jsonl")
    with lock_held_by(seed.root, holder(os.getpid())):
        result = cli("rollback", str(journal), "--auto-approve")

    assert result.code == 1
    assert "dev is locked by alice" in result.err
