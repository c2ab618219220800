"""The early account read's life (syncset.plan.prefetch.AccountRead): interrupted, abandoned
while a read hangs, failing on both threads; the provider it opened is always closed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

import syncset.plan.prefetch as prefetch
from syncset.errors import ProviderError
from syncset.plan.prefetch import AccountRead


@dataclass(frozen=True)
class _Capabilities:
    kinds: frozenset[str]


@dataclass
class FakeProvider:
    """Lists kinds through ``behaviour[kind]`` (which may block or raise); counts closes."""

    behaviour: dict[str, Callable[[], list[Any]]]
    closed: threading.Event = field(default_factory=threading.Event)

    @property
    def capabilities(self) -> _Capabilities:
        return _Capabilities(frozenset(self.behaviour))

    def list(self, kind: str) -> list[Any]:
        return self.behaviour[kind]()

    def close(self) -> None:
        self.closed.set()


def blocked_until(event: threading.Event) -> Callable[[], list[Any]]:
    def wait() -> list[Any]:
        event.wait(10)
        return []

    return wait


def raising(error: BaseException) -> Callable[[], list[Any]]:
    def fail() -> list[Any]:
        raise error

    return fail


def started(provider: FakeProvider, kinds: list[str]) -> AccountRead:
    reading = AccountRead(lambda account: provider, kinds)  # type: ignore[arg-type, return-value]
    reading.start({})
    return reading


class _Interrupted:
    """An event whose wait is cut short by Ctrl-C."""

    def wait(self, timeout: float | None = None) -> bool:
        raise KeyboardInterrupt

    def set(self) -> None:
        pass


def test_an_interrupt_while_finishing_closes_the_account_and_stops_the_read() -> None:
    release = threading.Event()
    provider = FakeProvider({"team": blocked_until(release)})
    reading = started(provider, ["team"])
    reading._checked = _Interrupted()  # type: ignore[assignment]

    with pytest.raises(KeyboardInterrupt):
        reading.finish()

    assert provider.closed.is_set()
    release.set()


def test_an_interrupt_while_listing_the_reference_kinds_closes_the_account() -> None:
    release = threading.Event()
    provider = FakeProvider(
        {"team": blocked_until(release), "person": raising(KeyboardInterrupt())}
    )
    reading = started(provider, ["team"])

    with pytest.raises(KeyboardInterrupt):
        reading.finish(more=["person"])

    assert provider.closed.is_set()
    release.set()


def test_an_abandoned_read_that_hangs_does_not_hold_the_error_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prefetch, "ABANDON_WAIT", 0.05)
    release = threading.Event()
    provider = FakeProvider({"team": blocked_until(release)})
    reading = started(provider, ["team"])
    thread = reading._thread
    assert thread is not None

    reading.abandon()

    assert provider.closed.is_set() and thread.is_alive(), "returned while the read still hung"
    release.set()
    thread.join(10)
    assert not thread.is_alive()


def test_an_account_opened_after_the_read_was_abandoned_is_closed_by_its_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prefetch, "ABANDON_WAIT", 0.05)
    release = threading.Event()
    provider = FakeProvider({"team": lambda: []})

    def slow_open(account: dict[str, Any]) -> FakeProvider:
        release.wait(10)
        return provider

    reading = AccountRead(slow_open, ["team"])  # type: ignore[arg-type]
    reading.start({})
    reading.abandon()
    assert not provider.closed.is_set()
    release.set()

    assert provider.closed.wait(10)


def test_when_both_threads_fail_the_configuration_kind_is_reported() -> None:
    slow = threading.Event()

    def team_fails_late() -> list[Any]:
        slow.wait(0.2)
        raise ProviderError("listing team: permission denied")

    provider = FakeProvider(
        {"team": team_fails_late, "person": raising(ProviderError("listing person: refused"))}
    )
    reading = started(provider, ["team"])

    with pytest.raises(ProviderError, match="listing team"):
        reading.finish(more=["person"])
    assert provider.closed.is_set()
