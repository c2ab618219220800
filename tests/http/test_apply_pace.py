"""Apply keeps up with the account's burst limit: about 10 requests a second under 20 per 2
seconds, and no 429 once the limit is known (from the settings, or learnt from the first 429).

Measured on the test's clock (fake_clock): the server's ``Limits`` records when each request
arrived, so the rate is the account's own view, in simulated seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fake_clock import FakeClock
from fake_sites import CLIENT_SECRET, XurrentSite
from live_env import SECRET_ENV, teams, xurrent_environment
from serverkit import Limits

from syncset.apply.flow import ApplySteps, apply_environment
from syncset.plan.model import Selection

CREATES = 200


def sustained_rate(arrivals: list[float], burst: int) -> float:
    """Requests a second after the first burst (which the limit lets through at once)."""
    times = sorted(arrivals)
    return (len(times) - burst) / (times[-1] - times[0])


@pytest.mark.parametrize(
    ("http", "learnt", "least"),
    [
        pytest.param("", False, 9.0, id="limit-in-settings"),
        # A limit learnt from concurrent sends errs low by a few (see BurstLimiter): slower,
        # never refused again.
        pytest.param("burst: {requests: 30, per_seconds: 2.0}", True, 6.0, id="limit-learnt"),
    ],
)
def test_apply_sustains_9_requests_a_second_under_20_per_2_seconds_without_a_second_429(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    xurrent_site: Callable[..., XurrentSite],
    clock: FakeClock,
    http: str,
    learnt: bool,
    least: float,
) -> None:
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    limits = Limits(burst=20, window=2.0, clock=clock)
    site = xurrent_site(limits=limits)
    root = tmp_path / "repo"
    xurrent_environment(root, site.server.url, site.account.account, teams(CREATES), http)

    attempt = apply_environment(root, "live", None, Selection(), ApplySteps())

    assert attempt.report is not None
    assert len(site.account.of_type("Team")) == CREATES
    rate = sustained_rate(limits.accepted_at, 20)
    assert len(limits.accepted_at) > CREATES
    assert rate >= least, f"{rate:.1f} requests/s"
    refused = sorted(limits.refused_at)
    if not learnt:
        assert refused == []
    else:
        assert 1 <= len(refused) <= 4, "the sends already on their way at the first overrun"
        assert refused[-1] - refused[0] < 0.5, "and none after it"
