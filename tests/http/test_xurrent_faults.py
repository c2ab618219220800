"""Faults and limits: injected 500s, dropped connections, slow answers, 429s, 401s, budgets."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from fake_clock import FakeClock
from fake_sites import XurrentSite
from serverkit import Faults, Limits, Tokens

from syncset.errors import ProviderError
from syncset.providers.base import LiveRecord, Marker
from syncset.providers.http.client import OutcomeUnknown, RateLimited
from syncset.providers.xurrent.provider import XurrentProvider

CLIENTS = {"syncset-ci": "s3cr3t-client-secret"}


def create_exactly_once(
    provider: XurrentProvider, kind: str, fields: dict[str, Any], marker: Marker
) -> LiveRecord:
    """The engine's retry rule: when a create's outcome is unknown, look it up before re-sending."""
    for _ in range(5):
        try:
            return provider.create(kind, fields, marker)
        except OutcomeUnknown:
            found = provider.find_by_marker(kind, marker)
            if found is not None:
                return found
    raise AssertionError(f"{marker} could not be created")


def markers_in(site: XurrentSite) -> Counter[str]:
    return Counter(r["sourceID"] for r in site.account.records.values() if r.get("sourceID"))


def test_300_creates_under_500s_and_dropped_connections_land_exactly_once(
    xurrent_site: Callable[..., XurrentSite], clock: FakeClock
) -> None:
    faults = Faults(write_500_before=0.05, write_500_after=0.05, write_drop_after=0.05, seed=11)
    site = xurrent_site(faults=faults, limits=Limits(burst=20, window=0.5, clock=clock))
    provider = site.provider(http={"burst": {"requests": 20, "per_seconds": 0.5}})
    wanted = []
    for i in range(100):
        wanted.append(("calendar", {"name": f"Calendar {i}"}, f"calendar-{i}"))
        wanted.append(("team", {"name": f"Team {i}"}, f"team-{i}"))
        # Request template subjects are not unique: only the marker look-up prevents duplicates.
        wanted.append(("request_template", {"subject": "Reset password"}, f"template-{i}"))

    for kind, fields, record_id in wanted:
        create_exactly_once(provider, kind, fields, Marker("syncset", record_id))

    seen = site.account.counters
    assert seen["500"] >= 15 and seen["dropped"] >= 8, "faults were really injected"
    assert markers_in(site) == Counter({record_id: 1 for _, _, record_id in wanted})
    assert len(site.account.records) == 300
    assert seen["429"] == 0, "the client kept within the burst limit on its own"
    assert seen["invalid"] == 0


def test_a_create_answered_too_slowly_is_found_by_its_marker_not_sent_again(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site(faults=Faults(write_slow_after=1.0, slow_seconds=0.8))
    provider = site.provider(http={"timeout_seconds": 0.3})

    for i in range(3):
        create_exactly_once(provider, "team", {"name": f"Team {i}"}, Marker("syncset", f"t{i}"))

    assert site.account.counters["slow"] == 3
    assert site.account.counters["create:Team"] == 3
    assert markers_in(site) == Counter({"t0": 1, "t1": 1, "t2": 1})


def test_a_create_without_marker_and_unknown_outcome_is_reported_not_repeated(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site(faults=Faults(write_drop_after=1.0))
    provider = site.provider()

    with pytest.raises(OutcomeUnknown, match="may have landed"):
        provider.create("team", {"name": "Ops"}, None)

    assert site.account.counters["create:Team"] == 1


def test_reads_are_retried_through_500s_and_slow_answers(
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    faults = Faults(read_500=0.3, read_slow=0.15, slow_seconds=0.6, seed=3)
    site = xurrent_site(faults=faults)
    for i in range(450):
        site.account.seed("Team", name=f"Team {i}")
    provider = site.provider(http={"timeout_seconds": 0.3, "max_attempts": 8})

    teams = provider.list("team")

    assert len(teams) == 450
    assert len({t.live_id for t in teams}) == 450
    assert site.account.counters["500"] + site.account.counters["slow"] > 0


def test_the_client_keeps_within_20_requests_per_2_seconds(
    xurrent_site: Callable[..., XurrentSite], clock: FakeClock
) -> None:
    site = xurrent_site(limits=Limits(burst=20, window=2.0, clock=clock))
    provider = site.provider()
    started = clock.monotonic()

    for i in range(45):
        provider.create("team", {"name": f"Team {i}"}, Marker("syncset", f"t{i}"))

    assert site.account.counters["429"] == 0
    assert site.account.counters["create:Team"] == 45
    assert clock.monotonic() - started >= 4.0, "45 requests need at least two full windows"


def test_after_a_429_caused_by_another_client_there_is_no_second_one(
    xurrent_site: Callable[..., XurrentSite], clock: FakeClock
) -> None:
    site = xurrent_site(limits=Limits(burst=20, window=1.0, clock=clock))
    burst = {"burst": {"requests": 20, "per_seconds": 1.0}}
    other, ours = site.provider(http=burst), site.provider(http=burst)
    for _ in range(20):
        other.list("site")

    for _ in range(30):
        ours.list("site")

    assert site.account.counters["429"] == 1
    assert ours.stats.calls == 31


def test_a_401_mid_run_refreshes_the_token_once_and_goes_on(
    xurrent_site: Callable[..., XurrentSite], clock: FakeClock
) -> None:
    site = xurrent_site(tokens=Tokens(clients=CLIENTS, revoke_after=10, clock=clock))
    provider = site.provider()

    results = [provider.list("team") for _ in range(25)]

    assert len(results) == 25
    assert site.account.counters["401"] == 1
    assert site.account.counters["token"] == 2


def test_a_token_is_renewed_before_it_expires(
    xurrent_site: Callable[..., XurrentSite], clock: FakeClock
) -> None:
    site = xurrent_site(tokens=Tokens(clients=CLIENTS, ttl=0.6, clock=clock))
    provider = site.provider()

    for _ in range(6):
        provider.list("site")
        clock.sleep(0.2)

    assert site.account.counters["401"] == 0
    assert site.account.counters["token"] >= 3


def test_a_low_hourly_budget_slows_the_client_down_instead_of_hitting_429(
    xurrent_site: Callable[..., XurrentSite], clock: FakeClock
) -> None:
    # Burst limits far above the budget on both ends: the burst limiter's waits must not be
    # what keeps the client under the hourly limit (with the default 20 per 2 s they did).
    site = xurrent_site(limits=Limits(hourly=20, period=2.0, burst=100, clock=clock))
    burst = {"requests": 100, "per_seconds": 2.0}
    provider = site.provider(http={"budget_reserve": 0.5, "burst": burst})
    started = clock.monotonic()

    for _ in range(30):
        provider.list("site")

    assert site.account.counters["429"] == 0
    assert site.account.counters["requests"] == 31, "30 lists and the schema"
    assert clock.monotonic() - started >= 1.0, "the last ten calls of the period were spread out"
    assert provider.stats.budget_remaining is not None


def test_a_spent_budget_that_refills_too_late_is_a_clear_rate_limit_error(
    xurrent_site: Callable[..., XurrentSite], clock: FakeClock
) -> None:
    site = xurrent_site(limits=Limits(hourly=3, period=3600, clock=clock))
    provider = site.provider(http={"max_wait_seconds": 1})

    with pytest.raises(RateLimited, match=r"hourly request budget \(3\) is spent"):
        for _ in range(5):
            provider.list("site")

    assert site.account.counters["requests"] == 3
    assert isinstance(RateLimited("x"), ProviderError)


def test_waiting_for_a_spent_budget_says_what_it_waits_for_and_until_when(
    xurrent_site: Callable[..., XurrentSite], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    site = xurrent_site(limits=Limits(hourly=3, period=30, clock=clock))
    provider = site.provider(http={"max_wait_seconds": 60})

    with caplog.at_level("WARNING", logger="syncset.http"):
        for _ in range(4):
            provider.list("site")

    told = [r.getMessage() for r in caplog.records if "budget" in r.getMessage()]
    assert told
    for message in told:
        assert re.fullmatch(
            r"waiting \d+s for the account's API budget \(until \d\d:\d\d:\d\d UTC\)", message
        )


def test_waiting_out_a_retry_after_says_so_with_the_request_and_the_time(
    xurrent_site: Callable[..., XurrentSite], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    site = xurrent_site(limits=Limits(burst=20, window=5.0, clock=clock))
    burst = {"burst": {"requests": 20, "per_seconds": 5.0}}
    other, ours = site.provider(http=burst), site.provider(http=burst)
    for _ in range(19):
        other.list("site")

    with caplog.at_level("WARNING", logger="syncset.http"):
        for _ in range(3):
            ours.list("site")

    assert site.account.counters["429"] == 1
    [told] = [r.getMessage() for r in caplog.records if "Retry-After" in r.getMessage()]
    assert "HTTP 429" in told and re.search(r"waiting \d+s \(until \d\d:\d\d:\d\d UTC\)", told)
    assert "Bearer" not in told and "token" not in told.lower()
