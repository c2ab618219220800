"""What the burst limiter learns from a 429 it caused (providers/http/limits.py): the sends the
server accepted in its window, counted so that the limit errs low, never high: sends still on
their way that left just before the refused one are not counted (they may arrive after it,
once the server's window has moved on), slow writes that left earlier are."""

from __future__ import annotations

import threading

from syncset.providers.http.limits import BurstLimiter


class StepClock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        self.now += timeout or 0.0


def test_sends_still_on_their_way_are_not_counted_as_accepted() -> None:
    clock = StepClock()
    limiter = BurstLimiter(30, 2.0, clock)
    first_sent = clock.now
    for _ in range(20):  # the server's window: 20 sends, each answered 10 ms later
        slot = limiter.acquire()
        clock.now += 0.01
        limiter.complete(slot)
    on_their_way = [limiter.acquire(), limiter.acquire()]  # sent, not answered yet
    clock.now += 0.001
    refused = limiter.acquire()
    clock.now += 0.001
    # the server refused it: its window began with our first send, 2 s before it frees a slot
    retry_after = first_sent + 2.0 - clock.now
    limiter.complete(refused, retry_after=retry_after)

    assert limiter.requests == 19  # the 20 answered, one spare; not 21 with the two on their way
    for slot in on_their_way:
        limiter.complete(slot)
    assert limiter.requests == 19  # their answers teach nothing more


def test_slow_writes_still_on_their_way_are_counted() -> None:
    """Many writers: 20 sends over 0.3 s, the first 5 answered, 15 slow writes still on their
    way when a 429 (answered at once) comes: all 20 arrived before it."""
    clock = StepClock()
    limiter = BurstLimiter(40, 2.0, clock)
    first_sent = clock.now
    slots = []
    for _ in range(20):
        slots.append(limiter.acquire())
        clock.now += 0.015
    for slot in slots[:5]:
        limiter.complete(slot)
    clock.now += 0.1
    refused = limiter.acquire()
    clock.now += 0.001
    limiter.complete(refused, retry_after=first_sent + 2.0 - clock.now)

    assert limiter.requests == 19  # not 4, which counting only the answered ones gave


def test_a_refusal_in_a_window_someone_else_began_teaches_nothing() -> None:
    clock = StepClock()
    limiter = BurstLimiter(30, 2.0, clock)
    clock.now += 1.0
    for _ in range(5):
        slot = limiter.acquire()
        clock.now += 0.01
        limiter.complete(slot)
    refused = limiter.acquire()
    clock.now += 0.001
    # the server's window began a second before our first send: another client's requests
    limiter.complete(refused, retry_after=1.0 - 0.06)
    assert limiter.requests == 30
