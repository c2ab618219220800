"""The declarative ``rest`` provider against a fake platform with each pagination style."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from fake_clock import FakeClock
from fake_sites import REST_KINDS, RestSite
from serverkit import Faults, Limits, Tokens

from syncset.errors import ProviderError, WriteRejected
from syncset.providers.base import LiveRecord, Marker
from syncset.providers.http.client import AuthFailed, OutcomeUnknown
from syncset.providers.rest.provider import RestProvider


def create_exactly_once(
    provider: RestProvider, kind: str, fields: dict[str, Any], marker: Marker
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


def test_each_pagination_style_lists_1000_records_with_ceil_n_over_100_requests(
    rest_site: Callable[..., RestSite],
) -> None:
    site = rest_site()
    for i in range(350):
        site.account.seed("solutions", display_name=f"S{i}", archived=i % 7 == 0)
    for i in range(350):
        site.account.seed("connections", name=f"C{i}", type="sftp", settings={"port": 22})
    for i in range(300):
        site.account.seed("flows", name=f"F{i}", solution_id="sol_1", connection_ids=[])
    provider = site.provider()

    solutions, connections, flows = (provider.list(k) for k in ("solution", "connection", "flow"))

    seen = site.account.counters
    assert (seen["list:solutions"], seen["list:connections"], seen["list:flows"]) == (4, 4, 3)
    assert seen["token"] == 1
    assert seen["requests"] == 11
    assert provider.stats.calls == 11
    assert (len(solutions), len(connections), len(flows)) == (350, 350, 300)
    assert len({s.live_id for s in solutions}) == 350
    assert solutions[0].fields["name"] == "S0" and solutions[0].disabled
    assert connections[1].fields == {
        "name": "C1",
        "type": "sftp",
        "description": None,
        "settings": {"port": 22},
        "secret": None,
        "disabled": False,
    }
    assert flows[2].fields["solution"] == "sol_1"


def test_fields_and_the_ownership_marker_are_renamed_both_ways(
    rest_site: Callable[..., RestSite],
) -> None:
    site = rest_site()
    provider = site.provider()

    created = provider.create("solution", {"name": "Payroll"}, Marker("syncset", "payroll"))
    updated = provider.update("solution", created.live_id, {"description": "monthly"})

    stored = site.account.records["solutions"][created.live_id]
    assert stored == {
        "id": created.live_id,
        "display_name": "Payroll",
        "origin": "syncset",
        "origin_ref": "payroll",
        "description": "monthly",
    }
    assert updated.fields["name"] == "Payroll" and updated.marker == Marker("syncset", "payroll")
    assert provider.find_by_marker("solution", Marker("syncset", "payroll")) == updated
    assert site.account.counters["list:solutions"] == 1, "the marker look-up used the filter"


def test_a_duplicate_name_names_the_yaml_field(rest_site: Callable[..., RestSite]) -> None:
    site = rest_site()
    site.account.seed("solutions", display_name="Payroll")
    provider = site.provider()

    with pytest.raises(WriteRejected) as rejected:
        provider.create("solution", {"name": "Payroll"}, Marker("syncset", "payroll"))

    assert rejected.value.field == "name"
    assert str(rejected.value) == "has already been taken"


def test_removal_is_delete_or_disable_as_each_kind_declares(
    rest_site: Callable[..., RestSite],
) -> None:
    site = rest_site()
    provider = site.provider()
    solution = provider.create("solution", {"name": "Payroll"}, None)
    flow = provider.create("flow", {"name": "Nightly", "solution": solution.live_id}, None)

    provider.remove("flow", flow.live_id, "delete")
    provider.remove("flow", flow.live_id, "delete")  # already gone: nothing to do
    provider.remove("solution", solution.live_id, "disable")

    assert provider.capabilities.removal == "both"
    assert flow.live_id not in site.account.records["flows"]
    assert site.account.records["solutions"][solution.live_id]["archived"] is True
    assert provider.get("flow", flow.live_id) is None
    with pytest.raises(WriteRejected, match="removed by disable"):
        provider.remove("solution", solution.live_id, "delete")


def test_300_creates_under_500s_and_dropped_connections_land_exactly_once(
    rest_site: Callable[..., RestSite], clock: FakeClock
) -> None:
    faults = Faults(write_500_before=0.05, write_500_after=0.05, write_drop_after=0.05, seed=5)
    site = rest_site(faults=faults, limits=Limits(burst=20, window=0.5, clock=clock))
    provider = site.provider(http={"burst": {"requests": 20, "per_seconds": 0.5}})
    wanted = []
    for i in range(100):
        wanted.append(("solution", {"name": f"Solution {i}"}, f"solution-{i}"))
        wanted.append(("connection", {"name": f"Conn {i}", "type": "sftp"}, f"connection-{i}"))
        wanted.append(("flow", {"name": "Nightly import"}, f"flow-{i}"))  # names not unique

    for kind, fields, record_id in wanted:
        create_exactly_once(provider, kind, fields, Marker("syncset", record_id))

    seen = site.account.counters
    assert seen["500"] >= 15 and seen["dropped"] >= 8, "faults were really injected"
    markers = Counter(
        r.get("origin_ref") or r.get("source_id")
        for table in site.account.records.values()
        for r in table.values()
    )
    assert markers == Counter({record_id: 1 for _, _, record_id in wanted})
    assert seen["429"] == 0


def test_api_key_and_bearer_authentication(rest_site: Callable[..., RestSite]) -> None:
    keyed, bearer = rest_site(auth="api_key"), rest_site(auth="bearer")
    bearer.account.tokens.personal.add("pat-0123456789abcdef")

    assert keyed.provider().list("solution") == []
    assert bearer.provider().list("solution") == []
    wrong = keyed.provider(auth={"type": "api_key", "header": "X-Api-Key", "key": "wrong-key"})
    with pytest.raises(AuthFailed, match="HTTP 401"):
        wrong.list("solution")


def test_a_401_mid_run_refreshes_the_token_once_and_goes_on(
    rest_site: Callable[..., RestSite], clock: FakeClock
) -> None:
    clients = {"syncset-ci": "s3cr3t-client-secret"}
    site = rest_site(tokens=Tokens(clients=clients, revoke_after=5, clock=clock))
    provider = site.provider()

    for _ in range(12):
        provider.list("flow")

    assert site.account.counters["401"] == 1
    assert site.account.counters["token"] == 2


def test_a_next_link_to_another_host_is_refused(rest_site: Callable[..., RestSite]) -> None:
    site = rest_site(next_host="http://127.0.0.2:9")
    for i in range(120):
        site.account.seed("solutions", display_name=f"S{i}")
    provider = site.provider()

    with pytest.raises(ProviderError, match="another host"):
        provider.list("solution")

    assert site.account.counters["requests"] == 1


def test_ping_reports_a_kind_the_key_may_not_read(rest_site: Callable[..., RestSite]) -> None:
    site = rest_site(denied=frozenset({"flows"}))
    provider = site.provider()

    report = provider.ping()

    checks = {check.kind: check for check in report.kinds}
    assert checks["solution"].problem is None and checks["solution"].records == 0
    assert checks["flow"].category == "permission"
    assert "may not access flows" in (checks["flow"].problem or "")
    assert report.requests.limit == 3600


def test_a_wrong_records_path_is_a_clear_configuration_error(
    rest_site: Callable[..., RestSite],
) -> None:
    kinds = {**REST_KINDS, "connection": {**REST_KINDS["connection"], "records": "items"}}
    provider = rest_site().provider(kinds=kinds)

    with pytest.raises(ProviderError, match=r"kinds\.connection\.records"):
        provider.list("connection")
