"""``syncset environments --check`` on HTTP accounts: credentials, budget, schema, no secret."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fake_sites import CLIENT_SECRET, XurrentSite

SECRET_ENV = "XURRENT_CLIENT_SECRET"


def xurrent_environment(repo: Any, name: str, url: str) -> None:
    body = "\n".join(
        [
            "provider: xurrent",
            "account: widget",
            f"url: {url}/graphql",
            f"token_url: {url}/token",
            "client_id: syncset-ci",
            f"client_secret: '{{{{ env(\"{SECRET_ENV}\") }}}}'",
            "http: {timeout_seconds: 0.3, backoff_seconds: 0.01, max_attempts: 2, "
            "max_wait_seconds: 2}",
        ]
    )
    repo.add_environment(name, account=body)
    repo.write(f"environments/{name}/teams/ops.yaml", "kind: team\nid: ops\nname: Ops\n")


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    return CLIENT_SECRET


def test_check_reports_credentials_budget_schema_and_drift(
    repo: Any, cli: Callable[..., Any], secret: str, xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site()
    xurrent_environment(repo, "customers/acme", site.server.url)

    result = cli("environments", "--check", "customers/*", "--format", "json")

    assert result.code == 0, result.out + result.err
    [env] = json.loads(result.out)["environments"]
    assert env["account"] == {
        "provider": "xurrent",
        "url": f"{site.server.url}/graphql",
        "account": "widget",
    }
    health = env["health"]
    assert health["reachable"] is True and health["credentials"] is True
    assert health["schema"].startswith("fetched from the account, sha256:")
    assert health["budget"][0]["allowance"] == "requests"
    assert health["budget"][0]["limit"] == 3600
    assert 0 < health["budget"][0]["remaining"] < 3600
    assert health["drift"] == 1  # team ops is not in the account yet
    assert secret not in result.out + result.err


def test_refused_credentials_make_the_check_fail_without_showing_the_secret(
    repo: Any,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    wrong = "not-the-secret-4b1d"
    monkeypatch.setenv(SECRET_ENV, wrong)
    xurrent_environment(repo, "customers/acme", xurrent_site().server.url)

    result = cli("environments", "--check")

    assert result.code == 1
    assert "customers/acme\n" in result.out
    assert "UNHEALTHY: authentication: token request" in result.out
    assert "credentials refused" in result.out
    assert "  health       ok (reachable, no credentials needed, drift 0 changes)" in result.out
    assert result.out.endswith("Health: unhealthy: customers/acme\n")
    assert wrong not in result.out + result.err
