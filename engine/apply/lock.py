"""One apply (or rollback) per environment at a time.

The lock is a file under ``.syncset/locks/``, created atomically (written aside, then
hard-linked into place), holding its owner, pid, host, start time and a TTL. A second apply
reports who holds it and since when, and waits up to ``--lock-timeout`` seconds. A lock whose
process is gone (same host) or whose TTL has passed is taken over with a warning. A lock file
that cannot be read is never taken over silently: the message says how to remove it.

The lock guards one checkout. CI runners on different machines are serialised by the CI's
concurrency group (see docs/ci.md), not by this file.
"""

from __future__ import annotations

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
from syncset.safepath import confined, make_folders, open_new

DEFAULT_TTL_SECONDS = 6 * 3600


def lock_path(root: Path, environment: str) -> Path:
    return root / ".syncset" / "locks" / f"{environment}.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LockBody(BaseModel):
    """What a lock file holds; read back, so checked before any of it is believed."""

    model_config = ConfigDict(strict=True, extra="ignore")
    owner: str = "unknown"
    pid: int = Field(gt=0, lt=2**31)  # a pid_t: os.kill refuses larger numbers
    host: str = ""
    command: str = ""
    started_at: str = ""
    started_epoch: float = 0.0
    ttl_seconds: float = Field(default=DEFAULT_TTL_SECONDS, gt=0)


def _read(path: Path) -> dict[str, object] | None:
    """The lock's holder; {} when the file is gone, None when it is not a syncset lock."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockBody.model_validate(data).model_dump()
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None  # pydantic's ValidationError is a ValueError too


def _stale(holder: dict[str, object]) -> str | None:
    """Why a held lock may be taken over, or None when its holder may still be running."""
    started = float(str(holder["started_epoch"]))
    ttl = float(str(holder["ttl_seconds"]))
    if time.time() > started + ttl:
        return f"its TTL of {int(ttl)} s has passed"
    pid = int(str(holder["pid"]))
    if holder["host"] == socket.gethostname() and not _alive(pid):
        return f"process {pid} on this host is gone"
    return None


@contextmanager
def environment_lock(
    root: Path,
    environment: str,
    command: str,
    timeout: float = 0.0,
    warn: Callable[[str], None] = lambda message: None,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
) -> Iterator[None]:
    """Hold the environment's lock for the duration of the block."""
    path = confined(root, lock_path(root, environment), root)
    make_folders(path.parent, private=True)
    body = {
        "owner": _user(),
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command,
        "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "started_epoch": time.time(),
        "ttl_seconds": ttl_seconds,
    }
    deadline = time.monotonic() + timeout
    shown = lock_path(root, environment).relative_to(root).as_posix()
    waiting = False
    while True:
        try:
            _create_with(path, body)
        except FileExistsError:
            holder = _read(path)
            if holder is None:
                raise LockError(
                    f"lock file {shown} is unreadable (not a syncset lock): if no apply is "
                    f"running for {environment}, remove the file and run again"
                ) from None
            if not holder:
                continue  # removed between our open and our read
            reason = _stale(holder)
            if reason is not None:
                warn(
                    f"taking over the lock of {environment} held by {holder.get('owner')} "
                    f"(pid {holder.get('pid')} on {holder.get('host')}): {reason}"
                )
                path.unlink(missing_ok=True)
                continue
            if time.monotonic() >= deadline:
                raise LockError(
                    f"{environment} is locked by {holder.get('owner')} (pid {holder.get('pid')} "
                    f"on {holder.get('host')}, {holder.get('command')}) since "
                    f"{holder.get('started_at')}: wait for it, or pass --lock-timeout SECONDS"
                ) from None
            if not waiting:
                waiting = True
                warn(
                    f"{environment} is locked by {holder.get('owner')} (pid {holder.get('pid')}, "
                    f"{holder.get('command')}): waiting up to {timeout:.0f} s for it"
                )
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
            continue
        break
    try:
        yield
    finally:
        holder = _read(path)
        if holder and holder.get("pid") == os.getpid():
            path.unlink(missing_ok=True)


def _create_with(path: Path, body: dict[str, object]) -> None:
    """Create ``path`` holding ``body``, or raise FileExistsError; never visible half-written.

    The body is written to a temporary file first and hard-linked into place: ``link`` fails if
    the path exists, like ``O_EXCL``, but a contender can never read an empty lock.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}")
    try:
        with os.fdopen(open_new(tmp, private=True), "w", encoding="utf-8") as handle:
            json.dump(body, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
