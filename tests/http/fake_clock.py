"""A clock for the HTTP tests: time passes as usual, but waiting on it takes none.

The provider's HTTP layer and the fake server read one :class:`FakeClock` (the client through
its ``ProviderContext``, the server's ``Limits`` and ``Tokens`` through their ``clock``). When
the client backs off, waits out a ``Retry-After``, paces its budget or waits for a burst window,
the wait returns at once and the clock jumps ahead by its length, for both ends alike: the
server's window has drained and its tokens have aged exactly as if the time had passed.

Time still passes between waits, because requests go over real sockets and the client's socket
timeouts are real (a "slow answer" must really be slow to time out), so the clock reads the
machine's monotonic time plus every wait it skipped.
"""

from __future__ import annotations

import threading
import time


class FakeClock:
    """The machine's time plus the waits skipped so far (see the module's docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._skipped = 0.0
        self._started = time.monotonic()
        self._wall_at_start = time.time()

    def monotonic(self) -> float:
        with self._lock:
            return time.monotonic() + self._skipped

    def time(self) -> float:
        return self._wall_at_start + (self.monotonic() - self._started)

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._skipped += max(0.0, seconds)
        time.sleep(0)  # as a real sleep would, let the other threads run

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        if timeout is None:
            condition.wait()  # only another thread's notify ends this wait, in real time
            return
        self.sleep(timeout)
        condition.wait(0)  # let go of the lock for a moment, as a real wait does

    def elapsed(self) -> float:
        """Seconds since the clock was made, the skipped waits included."""
        return self.monotonic() - self._started

    @property
    def skipped(self) -> float:
        """Seconds of waiting that took no time."""
        with self._lock:
            return self._skipped
