"""Rate limits of the HTTP layer: a client-side burst limiter and pacing by the hourly budget.

4me/Xurrent allows about 20 requests per 2 seconds and 3600 requests (5000 cost points) an hour
per token; other platforms publish similar limits. Staying under them on our side is cheaper than
being told off with a 429, and an hourly budget spent halfway through an apply would leave the
account half-changed, so the client slows down before it runs out.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import math
import threading
from dataclasses import dataclass

import httpx

from syncset.providers.http.clock import SYSTEM_CLOCK, Clock
from syncset.providers.http.errors import RateLimited

log = logging.getLogger("syncset.http")


class BurstLimiter:
    """At most ``requests`` sends in any ``per_seconds`` window, measured at the client.

    The server counts a request when it *arrives*, which the client cannot see: a send delayed
    by the scheduler arrives late and makes the gap to a later, quicker send look shorter. So a
    slot counts from when it is taken until one window after its response came back (arrival is
    never later than that), with a small margin on top. After a 429 the limiter pauses every
    send for at least one whole window: our view of the server's window was wrong (another
    client shares the token, or the account allows fewer than ``requests``), so let it drain.

    It also *learns* from a 429 that it alone caused. The ``Retry-After`` of a burst refusal
    says when the oldest request in the server's window ages out, so it tells when that window
    began. When our oldest send still counted is no later, the window held only our requests,
    and the limit is the number of them it accepted: ``requests`` comes down to one less than
    that (never up; a limit learnt is kept for the client's life). Sends still on their way
    that left just before the refused one are not counted (they may arrive after it, once the
    server's window has moved on), so the count errs low (a slower run), not high (a second
    429). When the window began earlier, someone else's requests were in it (an earlier
    command on the same token): then the limiter only pauses, since learning from that refusal
    would slow the whole run for a passing crowd. The real APIs publish no burst headers
    (4me/Xurrent documents "about 20 requests per 2 seconds" and answers 429 with
    ``Retry-After``), so the refusal is what there is to learn from; after it, sends stay
    under the limit and no further 429 comes.
    """

    def __init__(self, requests: int, per_seconds: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self.requests = requests
        self.clock = clock
        self.per_seconds = per_seconds
        self.window = per_seconds * 1.01 + 0.02
        self._slots: list[Slot] = []
        """Every send still counted: in flight, or answered less than a window ago."""
        self._paused_until = 0.0
        self._changed = threading.Condition()

    def acquire(self) -> Slot:
        """Wait for a free slot and take it; hand it back to :meth:`complete` when answered."""
        with self._changed:
            for _ in range(100_000):
                now = self.clock.monotonic()
                if now < self._paused_until:
                    self.clock.wait(self._changed, self._paused_until - now)
                    continue
                self._slots = [slot for slot in self._slots if slot.done_at > now - self.window]
                if len(self._slots) < self.requests:
                    slot = Slot(sent_at=now)
                    self._slots.append(slot)
                    return slot
                earliest = min(slot.done_at for slot in self._slots)
                # All in flight: wait for an answer; else for the oldest answer to age out.
                wait = None if earliest == math.inf else earliest + self.window - now
                self.clock.wait(self._changed, wait)
            raise RateLimited("the burst limiter could not find a free slot")

    def complete(self, slot: Slot, retry_after: float | None = None) -> None:
        """The request of ``slot`` was answered (or failed): its window starts now.

        ``retry_after`` (its answer was a 429 that asked to wait so long) may lower
        ``requests`` to what the server accepted of ours (see the class's docstring).
        """
        with self._changed:
            now = slot.done_at = self.clock.monotonic()
            if retry_after is not None:
                slot.refused = True
                self._learn(slot, now, retry_after)
            self._changed.notify_all()

    def _learn(self, refused: Slot, now: float, retry_after: float) -> None:
        if retry_after > self.window:
            return  # not the burst window (a spent hourly budget): nothing to learn here
        if now - refused.sent_at > self.per_seconds / 2:
            return  # a slow answer: the sends counted here no longer show the server's window
        ours = [s for s in self._slots if s.done_at > now - self.window and not s.refused]
        # The server refused between our send and its answer: its window began between these.
        earliest = refused.sent_at + retry_after - self.per_seconds
        latest = now + retry_after - self.per_seconds
        if not ours or min(s.sent_at for s in ours) > latest + _SAME_MOMENT:
            return  # the server's window began before our sends: not ours alone
        # Sends from before the server's window had left it already when it refused.
        # Sends after the refused one are left out: most arrived after it was refused. So are
        # sends still on their way that left just before it: they may arrive after it, once
        # the server's window has moved on (counting them made the limit one or two too high).
        # Sends on their way that left earlier arrived before it: a slow write is counted.
        just_before = refused.sent_at - _SAME_MOMENT
        accepted = sum(
            1
            for s in ours
            if earliest <= s.sent_at <= refused.sent_at
            and (s.done_at != math.inf or s.sent_at < just_before)
        )
        # One spare: a send of the same moment as the window's start may be counted wrongly.
        learnt = max(1, accepted - 1)
        if learnt < self.requests:
            log.debug("burst limit learnt from a 429: %d per window", learnt)
            self.requests = learnt

    def pause(self, seconds: float) -> None:
        with self._changed:
            self._paused_until = max(self._paused_until, self.clock.monotonic() + seconds)


_SAME_MOMENT = 0.05
"""Seconds within which a send and the server's window start count as one moment (the send
reaches the server a little after it left; Retry-After is rounded)."""


@dataclass
class Slot:
    """One send counted by the :class:`BurstLimiter`."""

    sent_at: float
    """When it was taken (the request left just after)."""
    done_at: float = math.inf
    """When its answer came (``inf`` while it is in flight)."""
    refused: bool = False
    """Answered 429: the server did not count it."""


@dataclass
class Allowance:
    """One hourly allowance as the server reports it (requests, or query-cost points)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    """Epoch seconds when the allowance refills."""


class Budget:
    """Reads ``X-RateLimit-*`` and ``X-CostLimit-*`` and slows down before they run out.

    Below ``reserve`` of an allowance, the calls left are spread evenly over the time until
    it resets; at zero it waits for the reset, or gives up when that is beyond ``max_wait``.
    """

    def __init__(self, reserve: float, max_wait: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self.clock = clock
        self.requests = Allowance()
        self.cost = Allowance()
        self._reserve = reserve
        self._max_wait = max_wait
        self._quiet = 0.0
        """Seconds of short pacing waits not yet told (see REMIND_AFTER)."""
        self._lock = threading.Lock()
        """Threads of one client (concurrent reads, apply's writers) observe and pace at once."""

    def observe(self, headers: httpx.Headers) -> None:
        with self._lock:
            self._observe(headers)

    def _observe(self, headers: httpx.Headers) -> None:
        for allowance, prefix in ((self.requests, "x-ratelimit"), (self.cost, "x-costlimit")):
            limit, remaining = headers.get(f"{prefix}-limit"), headers.get(f"{prefix}-remaining")
            reset = headers.get(f"{prefix}-reset")
            if limit and limit.isdigit():
                allowance.limit = int(limit)
            if remaining and remaining.lstrip("-").isdigit():
                allowance.remaining = int(remaining)
            if reset and reset.replace(".", "", 1).isdigit():
                allowance.reset_at = float(reset)

    def pace(self) -> None:
        with self._lock:
            delay, allowance, what = max(
                (self._delay(self.requests, "request"), self.requests, "requests"),
                (self._delay(self.cost, "cost"), self.cost, "cost points"),
                key=lambda paced: paced[0],
            )
        if delay <= 0:
            return
        if delay >= NOTICEABLE:
            log.warning(
                "waiting %.0fs for the account's API budget (until %s)",
                delay,
                until(self.clock, delay),
            )
        elif self._quiet_too_long(delay):
            log.warning(
                "slowing down for the account's API budget: %.1fs between requests, "
                "%s of %s %s left until it refills at %s",
                delay,
                allowance.remaining,
                allowance.limit,
                what,
                _at(allowance.reset_at),
            )
        self.clock.sleep(delay)

    def _quiet_too_long(self, delay: float) -> bool:
        """Whether short waits, each too short to mention, now add up to REMIND_AFTER since the
        last mention: a low budget must not leave a command quiet for minutes."""
        with self._lock:
            self._quiet += delay
            if self._quiet < REMIND_AFTER:
                return False
            self._quiet = 0.0
            return True

    def _delay(self, allowance: Allowance, what: str) -> float:
        if allowance.remaining is None or allowance.limit is None or allowance.reset_at is None:
            return 0.0
        until_reset = max(0.0, allowance.reset_at - self.clock.time())
        reserve = max(1, int(allowance.limit * self._reserve))
        if allowance.remaining > reserve or until_reset == 0:
            return 0.0
        if allowance.remaining <= 0:
            if until_reset > self._max_wait:
                raise RateLimited(
                    f"the account's hourly {what} budget ({allowance.limit}) is spent; it "
                    f"refills in {until_reset:.0f}s: run again later"
                )
            allowance.remaining = None  # unknown until the next answer after the reset
            return until_reset + 0.05
        return min(until_reset / allowance.remaining, self._max_wait)


NOTICEABLE = 2.0
"""Waits at least this long are told to the person (a warning); shorter pacing stays quiet..."""
REMIND_AFTER = 10.0
"""...until the short waits add up to this many seconds since the last time they were told."""


def _at(epoch: float | None) -> str:
    if epoch is None:
        return "an unknown time"
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC).strftime("%H:%M:%S UTC")


def until(clock: Clock, seconds: float) -> str:
    """The wall-clock time a wait ends, in UTC, so a quiet command says when it goes on."""
    return _at(clock.time() + seconds)


def retry_after(
    response: httpx.Response, default: float = 1.0, clock: Clock = SYSTEM_CLOCK
) -> float:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    value = response.headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_to_datetime(value) if value else None
    return max(0.0, parsed.timestamp() - clock.time()) if parsed else default
