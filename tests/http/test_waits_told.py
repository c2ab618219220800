"""A command that waits for the account says so on stderr: what for, how long, until when.

The HTTP layer logs its waits (syncset.http); the command line puts the warnings on stderr
(cli.main). These tests run the command in-process against the fake account on the fake
clock, so a budget that refills in minutes costs no time, and look at what the person sees.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fake_clock import FakeClock
from fake_sites import CLIENT_ID, CLIENT_SECRET, XurrentSite
from serverkit import Limits
from terminal_helpers import run_in_pty

UNTIL = r"\(until \d\d:\d\d:\d\d UTC\)"
CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_site(repo: Any, site: XurrentSite, monkeypatch: pytest.MonkeyPatch, http: str) -> None:
    monkeypatch.setenv("DEV_SECRET", CLIENT_SECRET)
    repo.add_environment(
        "dev",
        account="\n".join(
            [
                "provider: xurrent",
                f"account: {site.account.account}",
                f"url: {site.server.url}/graphql",
                f"token_url: {site.server.url}/token",
                f"client_id: {CLIENT_ID}",
                "client_secret: '{{ env(\"DEV_SECRET\") }}'",
                f"http: {{backoff_seconds: 0.01, {http}}}",
            ]
        ),
    )
    repo.write("environments/dev/teams.yaml", "kind: team\nid: ops\nname: Ops\n")


def secret_free(text: str, site: XurrentSite) -> bool:
    tokens = list(site.account.tokens._issued)
    return CLIENT_SECRET not in text and not any(token in text for token in tokens)


def test_a_spent_hourly_budget_is_told_on_stderr_with_the_wait_and_the_time(
    repo: Any,
    cli: Callable[..., Any],
    xurrent_site: Callable[..., XurrentSite],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    site = xurrent_site(limits=Limits(hourly=4, period=300, clock=clock))
    on_site(repo, site, monkeypatch, "max_wait_seconds: 600")

    result = cli("plan", "dev")

    assert result.code == 0, result.err
    told = re.findall(rf"warning: waiting (\d+)s for the account's API budget {UNTIL}", result.err)
    # Kinds are read several at once: when they spend the budget before an answer has told the
    # client what is left, the account refuses the rest, and its Retry-After tells the wait.
    refused = re.findall(
        rf"the account asked to wait \(HTTP 429, Retry-After\): waiting (\d+)s {UNTIL}", result.err
    )
    assert told or refused, result.err
    assert all(int(seconds) >= 2 for seconds in told), result.err
    assert told or max(int(seconds) for seconds in refused) >= 250, result.err
    assert clock.skipped >= 250  # it did wait for the refill (on the fake clock)
    assert "waiting" not in result.out  # stdout is the plan
    assert secret_free(result.err, site)


def test_a_retry_after_is_told_on_stderr_with_the_request_the_wait_and_the_time(
    repo: Any,
    cli: Callable[..., Any],
    xurrent_site: Callable[..., XurrentSite],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    site = xurrent_site(limits=Limits(burst=3, window=20.0, clock=clock))
    on_site(repo, site, monkeypatch, "burst: {requests: 20, per_seconds: 0.5}")

    result = cli("plan", "dev")

    assert result.code == 0, result.err
    assert site.account.counters["429"] >= 1
    told = re.findall(
        rf"warning: POST \S+/graphql: the account asked to wait \(HTTP 429, Retry-After\): "
        rf"waiting (\d+)s {UNTIL}",
        result.err,
    )
    assert told and int(told[0]) >= 2, result.err
    assert secret_free(result.err, site) and "Bearer" not in result.err


def test_short_budget_pauses_that_add_up_are_told_so_a_command_never_goes_quiet(
    repo: Any,
    cli: Callable[..., Any],
    xurrent_site: Callable[..., XurrentSite],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Below the reserve every request waits (time to the refill)/remaining, 1.5 s here: each
    # pause is too short to mention, but together they are long (minutes with more requests).
    site = xurrent_site(limits=Limits(hourly=100, period=150, clock=clock))
    on_site(repo, site, monkeypatch, "budget_reserve: 0.99, max_wait_seconds: 600")

    result = cli("plan", "dev")

    assert result.code == 0, result.err
    told = re.findall(
        r"warning: slowing down for the account's API budget: (\d+\.\d)s between requests, "
        r"(\d+) of 100 requests left until it refills at \d\d:\d\d:\d\d UTC",
        result.err,
    )
    assert told, (result.err, site.account.counters)
    assert all(float(seconds) < 2 for seconds, _ in told)
    assert secret_free(result.err, site)


@dataclass
class OneRetryAfter(Limits):
    """The account's limits, except that one request (the 4th) is told to come back in 3 s."""

    refuse_at: int = 4
    _seen: int = 0

    def admit(self) -> tuple[float | None, dict[str, str]]:
        with self._lock:
            self._seen += 1
            refuse = self._seen == self.refuse_at
        if refuse:
            return 3.0, self._headers(self.clock.time() + self.period)
        return super().admit()


def test_in_a_terminal_the_wait_is_told_while_the_progress_display_is_up(
    repo: Any,
    xurrent_site: Callable[..., XurrentSite],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A real clock: the command runs in its own process, in a pty, and waits for real.
    site = xurrent_site(limits=OneRetryAfter(clock=time))
    on_site(repo, site, monkeypatch, "max_wait_seconds: 60")

    code, screen = run_in_pty(repo.root, ["plan", "dev"], DEV_SECRET=CLIENT_SECRET)

    assert code == 0, screen[-3000:]
    shown = CONTROL.sub("", screen)
    told = r"warning: POST \S+/graphql: the account asked to wait \(HTTP 429, Retry-After\): "
    assert re.search(told + rf"waiting 3s {UNTIL}", shown), shown
    assert "reading the account" in shown  # the display was up meanwhile
    assert secret_free(screen, site)


def test_a_wait_during_an_apply_at_a_terminal_is_its_own_line_above_the_moving_count(
    repo: Any,
    xurrent_site: Callable[..., XurrentSite],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A burst limit far above what apply sends: the one 429 is the Retry-After told below.
    limits = OneRetryAfter(clock=time, refuse_at=0, burst=1000)
    site = xurrent_site(limits=limits)
    on_site(repo, site, monkeypatch, "max_wait_seconds: 60")
    repo.write(
        "environments/dev/teams.yaml",
        "".join(f"---\nkind: team\nid: t{n}\nname: Team {n}\n" for n in range(6)),
    )
    for _ in range(2):  # the second plan reads as apply's will (the schema is cached by then)
        before = limits._seen
        assert run_in_pty(repo.root, ["plan", "dev"], DEV_SECRET=CLIENT_SECRET)[0] == 0
    limits.refuse_at = limits._seen + (limits._seen - before) + 1  # after apply's planning

    code, screen = run_in_pty(
        repo.root, ["apply", "dev", "--auto-approve"], DEV_SECRET=CLIENT_SECRET
    )

    assert code == 0, screen[-3000:]
    assert site.account.counters["429"] == 1
    lines = CONTROL.sub("", screen).replace("\r", "\n").splitlines()
    [told] = [line for line in lines if "Retry-After" in line]
    assert told.startswith("warning: POST "), told  # not glued to the end of the bar
    assert "Apply of dev: Completed" in screen
