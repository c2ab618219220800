"""The account's own schema is checked, not assumed: fetched once a day, cached, or pinned.

Fake accounts with different schemas (``xurrent_sdl`` variants): a deployment from before
2025-11 (no ``requestTemplate`` on boards), one that lacks a field a kind needs, one with hour
ids and one without. ``plan`` and ``apply`` refuse before any write; ``ping`` says per kind ok,
left out, or what the account lacks.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fake_sites import CLIENT_SECRET, XurrentSite

from syncset.providers.xurrent.schema import CACHE_FOLDER

SECRET_ENV = "XURRENT_CLIENT_SECRET"
BOARD = "environments/live/boards.yaml"


def live_environment(repo: Any, site: XurrentSite, *extra: str) -> None:
    body = [
        "provider: xurrent",
        f"account: {site.account.account}",
        f"url: {site.server.url}/graphql",
        f"token_url: {site.server.url}/token",
        "client_id: syncset-ci",
        f"client_secret: '{{{{ env(\"{SECRET_ENV}\") }}}}'",
        "http: {backoff_seconds: 0.01, max_attempts: 2}",
        *extra,
    ]
    repo.add_environment("live", account="\n".join(body))


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)


def writes(site: XurrentSite) -> int:
    seen = site.account.counters.snapshot()
    return sum(n for name, n in seen.items() if name.startswith(("create:", "update:")))


def cache_files(repo: Any) -> list[Path]:
    return sorted((repo.root / CACHE_FOLDER).glob("*.json"))


# -- an optional field the account lacks ------------------------------------------------------


def test_a_field_an_older_deployment_lacks_is_left_out_of_every_query(
    repo: Any, cli: Callable[..., Any], xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site(request_template_on_boards=False)
    live_environment(repo, site)
    repo.write(BOARD, "kind: agile_board\nid: b\nname: Board\n")

    result = cli("apply", "live", "--auto-approve")

    assert result.code == 0, result.err
    assert site.account.counters["invalid"] == 0
    board_queries = [q for q in site.account.queries if "agileBoard" in q]
    assert board_queries and not [q for q in board_queries if "requestTemplate" in q]


def test_a_yaml_value_for_a_field_the_account_lacks_is_an_error_naming_field_and_account(
    repo: Any, cli: Callable[..., Any], xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site(request_template_on_boards=False)
    live_environment(repo, site)
    repo.write(
        BOARD,
        """
        kind: agile_board
        id: b
        name: Board
        request_template: expense
        ---
        kind: request_template
        id: expense
        subject: Expense
        """,
    )

    result = cli("apply", "live", "--auto-approve")

    assert result.code == 1
    assert result.err.startswith(
        f"error: {BOARD}:4:19: agile_board/b: request_template: xurrent account widget at "
        f"{site.server.url}/graphql (OAuth client credentials): this account's schema has no "
        "AgileBoard.requestTemplate (schemas from 2025-11 on), so request_template cannot be "
        "written there: remove request_template from this agile board"
    ), result.err
    assert writes(site) == 0
    listed = [name for name in site.account.counters.snapshot() if name.startswith("list:")]
    assert listed == [], "refused before any list call, though the account is read early"
    assert CLIENT_SECRET not in result.out + result.err


# -- a required field the account lacks ------------------------------------------------------


def test_a_kind_whose_required_field_the_account_lacks_is_refused_before_any_write(
    repo: Any, cli: Callable[..., Any], xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site(without=("Team.remarks",))
    live_environment(repo, site)
    repo.write("environments/live/teams.yaml", "kind: team\nid: ops\nname: Ops\n")
    repo.write("environments/live/calendars.yaml", "kind: calendar\nid: c\nname: C\n")

    result = cli("apply", "live", "--auto-approve")

    assert result.code == 1
    assert (
        "team is refused: this account's schema lacks Team.remarks, which syncset needs to read "
        "and write team records; nothing was written"
    ) in result.err
    assert "syncset ping" in result.err
    assert writes(site) == 0
    assert "Traceback" not in result.err


def test_ping_says_per_kind_ok_left_out_or_what_the_account_lacks(
    repo: Any, cli: Callable[..., Any], xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site(request_template_on_boards=False, without=("Team.remarks",))
    live_environment(repo, site)

    result = cli("ping", "live")

    assert result.code == 1
    rows = {line.split()[1]: line for line in result.out.splitlines() if line.startswith("│ ")}
    assert "ok" in rows["calendar"] and "left out" not in rows["calendar"]
    assert "ok (request_template left out" in rows["agile_board"]
    assert "schema: team is refused" in rows["team"]
    assert "1 kind(s) could not be read: team (schema)" in result.err


# -- hour ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(("hour_ids", "selected"), [(True, "id weekday"), (False, "weekday")])
def test_hours_are_read_with_ids_only_where_the_schema_has_them(
    xurrent_site: Callable[..., XurrentSite], hour_ids: bool, selected: str
) -> None:
    site = xurrent_site(hour_ids=hour_ids)
    site.account.seed(
        "Calendar",
        name="Office",
        calendarHours=[{"weekday": "mon", "timeFrom": "09:00", "timeUntil": "17:00"}],
    )

    (calendar,) = site.provider().list("calendar")

    assert f"calendarHours(first: 100) {{ nodes {{ {selected} timeFrom" in site.account.queries[-1]
    assert ("id" in calendar.fields["hours"][0]) is hour_ids
    assert site.account.counters["invalid"] == 0


# -- the cache: one GET a day ----------------------------------------------------------------


def test_the_schema_is_fetched_once_and_cached_privately_for_a_day(
    repo: Any, cli: Callable[..., Any], xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site()
    live_environment(repo, site)

    for _ in range(3):
        assert cli("plan", "live").code == 0

    assert site.account.counters["schema"] == 1
    (cache,) = cache_files(repo)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    stored = json.loads(cache.read_text())
    assert (stored["url"], stored["account"]) == (f"{site.server.url}/graphql", "widget")
    assert CLIENT_SECRET not in cache.read_text()
    stored["fetched_at"] -= 86_401
    cache.write_text(json.dumps(stored))

    assert cli("plan", "live").code == 0

    assert site.account.counters["schema"] == 2, "a day later it is fetched again"


@pytest.mark.parametrize(
    "damage",
    [
        "not json at all",
        '{"version": 1}',
        '{"version": 2, "url": "x", "account": "y", "fetched_at": 0, "digest": "", "sdl": ""}',
        "digest",
        "another account",
    ],
)
def test_a_damaged_or_foreign_cache_is_ignored_and_fetched_again(
    repo: Any,
    cli: Callable[..., Any],
    xurrent_site: Callable[..., XurrentSite],
    damage: str,
) -> None:
    site = xurrent_site()
    live_environment(repo, site)
    assert cli("plan", "live").code == 0
    (cache,) = cache_files(repo)
    stored = json.loads(cache.read_text())
    if damage == "digest":
        stored["sdl"] = stored["sdl"].replace("Calendar", "Kalender")
        cache.write_text(json.dumps(stored))
    elif damage == "another account":
        cache.write_text(json.dumps({**stored, "account": "somebody-else"}))
    else:
        cache.write_text(damage)

    result = cli("plan", "live")

    assert result.code == 0, result.err
    assert site.account.counters["schema"] == 2
    assert json.loads(cache.read_text())["digest"] == stored["digest"], "written again, whole"
    assert "Traceback" not in result.err


# -- a pinned schema file --------------------------------------------------------------------


def test_a_pinned_schema_file_is_used_instead_of_fetching(
    repo: Any, cli: Callable[..., Any], xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site(request_template_on_boards=False)
    (repo.root / "ci").mkdir()
    (repo.root / "ci/xurrent.graphql").write_text(site.account.sdl, encoding="utf-8")
    live_environment(repo, site, "schema_file: ci/xurrent.graphql")

    pinged = cli("ping", "live")
    planned = cli("plan", "live")

    assert pinged.code == 0, pinged.err
    assert "schema: schema_file ci/xurrent.graphql" in pinged.out
    assert "ok (request_template left out" in pinged.out
    assert planned.code == 0, planned.err
    assert site.account.counters["schema"] == 0, "never fetched"


@pytest.mark.parametrize(
    ("pinned", "message"),
    [
        ("../outside.graphql", "schema_file ../outside.graphql: must be inside the repository"),
        ("missing.graphql", "schema_file missing.graphql: cannot be read"),
        ("broken.graphql", "the account's schema could not be read as GraphQL"),
    ],
)
def test_a_pinned_schema_file_outside_the_repository_or_broken_is_a_clear_error(
    repo: Any,
    cli: Callable[..., Any],
    xurrent_site: Callable[..., XurrentSite],
    pinned: str,
    message: str,
) -> None:
    site = xurrent_site()
    (repo.root.parent / "outside.graphql").write_text(site.account.sdl, encoding="utf-8")
    (repo.root / "broken.graphql").write_text("schema {", encoding="utf-8")  # unterminated
    live_environment(repo, site, f"schema_file: {pinned}")

    result = cli("plan", "live")

    assert result.code == 1
    assert message in result.err
    assert "Traceback" not in result.err
    assert writes(site) == 0 and site.account.counters["schema"] == 0


def test_list_view_of_older_settings_is_refused_with_what_to_do(
    repo: Any, cli: Callable[..., Any], xurrent_site: Callable[..., XurrentSite]
) -> None:
    live_environment(repo, xurrent_site(), "list_view: all")

    result = cli("validate", "live")

    assert result.code == 1
    assert "list_view is gone: configuration kinds are read from the account's own" in result.err
    assert "reference_views: {person: all}" in result.err


def test_reference_data_may_be_read_with_a_wider_view_where_mapping_needs_it(
    repo: Any, cli: Callable[..., Any], xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site(visible_accounts=("wdc",))
    site.account.seed("Person", name="Frank", primaryEmail="frank@wdc.example", account="wdc")
    repo.write(
        "environments/live/teams.yaml",
        "kind: team\nid: ops\nname: Ops\nmanager: frank@wdc.example\n",
    )
    live_environment(repo, site, "reference_views: {person: all}")

    plan = json.loads(cli("plan", "live", "--format", "json").out)

    assert plan["status"] == "prepared"
    assert [m["state"] for m in plan["mappings"]] == ["automatic"]
    assert [q for q in site.account.queries if "people(" in q and "view: all" in q]
    assert not [q for q in site.account.queries if "teams(" in q and "view:" in q]


def test_an_unknown_reference_view_is_refused_by_validate(
    repo: Any, cli: Callable[..., Any], xurrent_site: Callable[..., XurrentSite]
) -> None:
    live_environment(repo, xurrent_site(), "reference_views: {team: all, site: everything}")

    result = cli("validate", "live")

    assert result.code == 1
    assert "team: reference_views takes person, organization, site, service" in result.err


def test_the_cache_folder_holds_nothing_when_a_schema_is_pinned(
    repo: Any, cli: Callable[..., Any], xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site()
    (repo.root / "schema.graphql").write_text(site.account.sdl, encoding="utf-8")
    live_environment(repo, site, "schema_file: schema.graphql")

    assert cli("plan", "live").code == 0

    assert not cache_files(repo)
