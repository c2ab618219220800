"""A plan lists the account while it parses the files (syncset.plan.prefetch); when the records
turn out invalid, the HTTP read still under way is cut short, not waited for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_sites import CLIENT_SECRET, XurrentSite
from live_env import SECRET_ENV, teams, xurrent_environment
from serverkit import Faults
from test_xurrent_reads import seed_plan_sized_account

from syncset.errors import ConfigError
from syncset.progress_events import Progress, Step, observing
from syncset.workflow import plan_environment


@pytest.fixture
def live_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    monkeypatch.delenv("SYNCSET_ROOT", raising=False)
    return tmp_path / "repo"


def listed(site: XurrentSite) -> int:
    return sum(
        n for name, n in site.account.counters.snapshot().items() if name.startswith("list:")
    )


def test_invalid_records_cut_the_early_read_short_and_leave_no_thread(
    live_root: Path, xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site(faults=Faults(latency=0.2))
    seed_plan_sized_account(site, {"Team": 2500, "Calendar": 0, "Holiday": 1, "AgileBoard": 0})
    xurrent_environment(
        live_root, site.server.url, site.account.account, [*teams(3), "kind: team\nid: x\n"]
    )

    def hold_the_files_until_the_first_page(event: Progress) -> None:
        if event.step is Step.FILES and event.done == 1:
            deadline = time.monotonic() + 10
            while not listed(site) and time.monotonic() < deadline:
                time.sleep(0.01)

    with (
        observing(hold_the_files_until_the_first_page),
        pytest.raises(ConfigError, match=r"records\.yaml"),
    ):
        plan_environment(live_root, "live")

    assert 1 <= listed(site) < 25, "the read was abandoned, not finished behind the error"
    assert not [t for t in threading.enumerate() if t.name.startswith("syncset-")]


def test_valid_records_plan_with_what_the_early_read_listed(
    live_root: Path, xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site(faults=Faults(latency=0.02))
    seed_plan_sized_account(site, {"Team": 150, "Calendar": 0, "Holiday": 1, "AgileBoard": 0})
    xurrent_environment(live_root, site.server.url, site.account.account, teams(3))

    with plan_environment(live_root, "live") as run:
        assert len(run.resolution.live.by_kind["team"]) == 150
        calls = run.plan.api_calls

    counters = site.account.counters.snapshot()
    assert counters["list:teams"] == 2, "each page once: the early read is not read again"
    assert counters["token"] == 1 and counters["requests"] == calls
    assert not [t for t in threading.enumerate() if t.name.startswith("syncset-")]
