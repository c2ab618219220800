"""One apply (or rollback) per environment at a time.

The lock is an OS-level lock: ``fcntl.flock`` on ``.syncset/locks/<env>.lock``, held for the
whole block. The kernel releases it when its process ends (killed, crashed, or a zombie not yet
reaped), so there is no staleness to judge and no takeover race: two processes cannot hold it at
once. The file also holds an *owner record* (owner, pid, host, command, start time), only for the
message a second apply shows; it is never what decides.

``fcntl.flock`` from the standard library rather than the ``filelock`` package: it is the call
``filelock``'s Unix lock makes, and the owner record and the inode check below are ours anyway.

A lock file whose record is not a syncset owner record is never taken over silently: the
message says how to remove it. The lock guards one checkout. CI runners on different machines
are serialised by the CI's concurrency group, and creates by apply's marker re-check (docs/ci.md).
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from syncset.errors import LockError
from syncset.safepath import PRIVATE_FILE_MODE, confined, environment_component, make_folders

_HELD: set[tuple[str, str]] = set()
"""(repository root, environment) whose lock this process holds: the journal asks."""


def lock_path(root: Path, environment: str) -> Path:
    """``.syncset/locks/<env>.lock``, a grouped name as one component (``customers~acme``,
    so the file lies directly in ``locks/``; :func:`environment_lock` confines it there)."""
    return root / ".syncset" / "locks" / f"{environment_component(environment)}.lock"


def holds_lock(root: Path, environment: str) -> bool:
    """Whether this process holds the environment's lock (journals are written only under it)."""
    return (str(root.resolve()), environment) in _HELD


class LockBody(BaseModel):
    """What a lock file holds; read back, so checked before any of it is believed."""

    model_config = ConfigDict(strict=True, extra="ignore")
    owner: str = "unknown"
    pid: int = Field(gt=0, lt=2**31)
    host: str = ""
    command: str = ""
    started_at: str = ""
    started_epoch: float = 0.0


def _parse(text: str) -> dict[str, object] | None:
    """The owner record; {} for an empty file (a lock just created), None for garbage."""
    if not text:
        return {}
    try:
        return LockBody.model_validate(json.loads(text)).model_dump()
    except (ValueError, RecursionError):
        return None  # pydantic's ValidationError is a ValueError too


def _read_fd(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    data = os.read(fd, 65536)  # an owner record is a few hundred bytes
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "\x00"  # not JSON: garbage


def _open(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, PRIVATE_FILE_MODE)
    return fd


def _try_lock(path: Path) -> int | None:
    """A descriptor of ``path`` holding its flock, or None when another process holds it.

    After the flock is granted the path must still name the locked inode: a holder that
    released (and removed the file) in between leaves us a lock on a file nobody else opens.
    """
    fd = _open(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    try:
        same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        same = False
    if not same:
        os.close(fd)
        return _try_lock(path)
    return fd


def _holder_text(path: Path) -> dict[str, object] | None:
    try:
        return _parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError):
        return None


@contextmanager
def environment_lock(
    root: Path,
    environment: str,
    command: str,
    timeout: float = 0.0,
    warn: Callable[[str], None] = lambda message: None,
) -> Iterator[None]:
    """Hold the environment's lock for the duration of the block."""
    path = confined(root, lock_path(root, environment), root)
    make_folders(path.parent, private=True)
    shown = lock_path(root, environment).relative_to(root).as_posix()
    fd = _acquire(path, environment, timeout, warn)
    try:
        _take(fd, path, shown, environment, command, warn)
        key = (str(root.resolve()), environment)
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)
            path.unlink(missing_ok=True)  # still under the flock: the inode check covers it
    finally:
        os.close(fd)  # releases the flock


def _acquire(path: Path, environment: str, timeout: float, warn: Callable[[str], None]) -> int:
    """Wait up to ``timeout`` for the flock; the message names the holder's owner record."""
    deadline = time.monotonic() + timeout
    waiting = False
    while (fd := _try_lock(path)) is None:
        holder = _holder_text(path) or {}
        who = (
            f"{holder.get('owner')} (pid {holder.get('pid')} on {holder.get('host')}, "
            f"{holder.get('command')}) since {holder.get('started_at')}"
            if holder
            else "another process (its owner record is not written yet)"
        )
        if time.monotonic() >= deadline:
            raise LockError(
                f"{environment} is locked by {who}: wait for it, or pass --lock-timeout SECONDS"
            )
        if not waiting:
            waiting = True
            warn(f"{environment} is locked by {who}: waiting up to {timeout:.0f} s for it")
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    return fd


def _take(
    fd: int, path: Path, shown: str, environment: str, command: str, warn: Callable[[str], None]
) -> None:
    """Under the flock: refuse a file that is not a lock, note a dead holder, write ours."""
    previous = _parse(_read_fd(fd))
    if previous is None:
        raise LockError(
            f"lock file {shown} is unreadable (not a syncset lock): if no apply is "
            f"running for {environment}, remove the file and run again"
        )
    if previous:
        warn(
            f"taking over the lock of {environment} held by {previous.get('owner')} "
            f"(pid {previous.get('pid')} on {previous.get('host')}): its process is gone "
            "(the operating system released its lock)"
        )
    body = {
        "owner": _user(),
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command,
        "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "started_epoch": time.time(),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(body).encode("utf-8"), 0)
    os.fsync(fd)


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
