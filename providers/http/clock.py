"""The clock the HTTP layer reads and waits on, so that waiting can be tested without waiting.

Back-off, ``Retry-After``, the burst limiter, budget pacing and token expiry all read the time or
wait for it. They do it through one small :class:`Clock`, the real one (:data:`SYSTEM_CLOCK`)
unless the provider is given another in its :class:`~syncset.providers.base.ProviderContext`.
A test can then run a provider and its fake server on one clock that skips ahead whenever
something waits, so a minute of back-off costs no time and the test still sees the minute.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds for measuring intervals (never goes back)."""
        ...

    def time(self) -> float:
        """Wall time in epoch seconds (what servers put in ``X-RateLimit-Reset``)."""
        ...

    def sleep(self, seconds: float) -> None: ...

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        """Wait on ``condition`` (held by the caller) until notified, or ``timeout`` passed."""
        ...


class SystemClock:
    """The real time of the machine."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        condition.wait(timeout)


SYSTEM_CLOCK = SystemClock()
