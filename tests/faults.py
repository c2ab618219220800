"""Fault switches for tests: the sandbox account fails, or kills the process, after N writes.

They prove that a failed or killed apply converges when it is run again, so they count the
writes the engine sends (create, update, delete; a disable is an update) and strike before the
(N+1)th lands. They live here, in test code: the shipped sandbox provider has no switch.

In-process, :func:`inject` patches the sandbox provider for one test. For a killed process, run
this file as the command line (``python tests/faults.py apply dev …``): it is ``syncset`` with
the faults of ``SYNCSET_TEST_FAULTS`` (``kill_after=N`` or ``fail_after=N``) switched on.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from syncset.errors import ProviderError
from syncset.providers.sandbox.provider import SandboxProvider

MESSAGE = "sandbox: injected fault (tests/faults.py)"
ENVIRON = "SYNCSET_TEST_FAULTS"


class Faults:
    """Counts writes across every sandbox provider of the process; strikes after N.

    Writes are serialised through :attr:`lock` while faults are on, so that "killed after N"
    means N writes have landed, even when apply writes concurrently.
    """

    def __init__(self, kill_after: int | None = None, fail_after: int | None = None) -> None:
        self.kill_after = kill_after
        self.fail_after = fail_after
        self.writes = 0
        self.lock = threading.RLock()

    def before_write(self) -> None:
        self.writes += 1
        if self.kill_after is not None and self.writes > self.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
        if self.fail_after is not None and self.writes > self.fail_after:
            raise ProviderError(MESSAGE)

    @classmethod
    def parse(cls, text: str) -> Faults:
        values = dict(part.split("=", 1) for part in text.split(",") if "=" in part)
        return cls(
            kill_after=int(values["kill_after"]) if "kill_after" in values else None,
            fail_after=int(values["fail_after"]) if "fail_after" in values else None,
        )


def _counted(method: Callable[..., Any], faults: Faults, deletes_only: bool = False) -> Any:
    @functools.wraps(method)
    def wrapper(self: SandboxProvider, kind: str, *args: Any, **kwargs: Any) -> Any:
        with faults.lock:
            if not deletes_only or (args[1:] or [kwargs.get("how")])[0] == "delete":
                faults.before_write()
            return method(self, kind, *args, **kwargs)

    return wrapper


def patch_sandbox(faults: Faults, setattr: Callable[[Any, str, Any], None]) -> None:
    """Make every sandbox write go through ``faults`` (``setattr`` is monkeypatch's or the
    builtin one)."""
    setattr(SandboxProvider, "create", _counted(SandboxProvider.create, faults))
    setattr(SandboxProvider, "update", _counted(SandboxProvider.update, faults))
    setattr(SandboxProvider, "remove", _counted(SandboxProvider.remove, faults, True))


def inject(monkeypatch: Any, *, fail_after: int | None = None) -> Faults:
    """Switch faults on for the rest of one test."""
    faults = Faults(fail_after=fail_after)
    patch_sandbox(faults, monkeypatch.setattr)
    return faults


if __name__ == "__main__":
    from syncset.cli import main

    patch_sandbox(Faults.parse(os.environ.get(ENVIRON, "")), setattr)
    main(sys.argv[1:])
