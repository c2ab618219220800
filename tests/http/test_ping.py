"""``syncset ping ENV``: each failure class is named, and no secret is ever printed."""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_sites import CLIENT_SECRET, XurrentSite
from serverkit import Faults, Limits, LoopbackServer
from xurrent_server import XurrentAccount, XurrentHandler

SECRET_ENV = "XURRENT_CLIENT_SECRET"


def xurrent_environment(repo: Any, url: str, *, account: str = "widget", http: str = "") -> None:
    body = "\n".join(
        [
            "provider: xurrent",
            f"account: {account}",
            f"url: {url}/graphql",
            f"token_url: {url}/token",
            "client_id: syncset-ci",
            f"client_secret: '{{{{ env(\"{SECRET_ENV}\") }}}}'",
            "http: {timeout_seconds: 0.3, backoff_seconds: 0.01, max_attempts: 2, "
            f"max_wait_seconds: 2{http}}}",
        ]
    )
    repo.add_environment("live", account=body)


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    return CLIENT_SECRET


def test_ping_reports_the_account_each_kind_and_the_budget_left(
    repo: Any, cli: Callable[..., Any], secret: str, xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site()
    site.account.seed("Team", name="Ops")
    xurrent_environment(repo, site.server.url)

    result = cli("ping", "live")

    assert result.code == 0, result.err
    out = result.out
    assert "xurrent account widget" in out
    assert "OAuth client credentials" in out
    assert "team" in out and "scrum_workspace" in out and "person" in out
    assert "schema: fetched from the account, sha256:" in out
    assert "hour ids: no (hours are replaced as a set)" in out
    # the rateLimit query, the schema (one GET) and one page of each of the 12 kinds
    assert "hourly request budget: 3586 of 3600 left" in out
    assert "ping live: ok" in out
    assert secret not in out + result.err


def test_ping_names_a_kind_the_token_may_not_read(
    repo: Any, cli: Callable[..., Any], secret: str, xurrent_site: Callable[..., XurrentSite]
) -> None:
    site = xurrent_site(denied=frozenset({"teams"}))
    xurrent_environment(repo, site.server.url)

    result = cli("ping", "live")

    assert result.code == 1
    assert "permission" in result.out and "Not authorized to access teams" in result.out
    assert "1 kind(s) could not be read: team (permission)" in result.err


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("closed-port", "unreachable: token request to http://127.0.0.1"),
        ("bad-secret", "authentication: token request"),
        ("wrong-account", "account: account 'nobody' was refused"),
        ("slow", "timeout: POST"),
        ("budget-spent", "rate-limit:"),
    ],
)
def test_ping_names_each_failure_class(
    repo: Any,
    cli: Callable[..., Any],
    secret: str,
    monkeypatch: pytest.MonkeyPatch,
    xurrent_site: Callable[..., XurrentSite],
    setup: str,
    expected: str,
) -> None:
    account = "widget"
    if setup == "closed-port":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    else:
        options: dict[str, object] = {
            "slow": {"faults": Faults(read_slow=1.0, slow_seconds=0.6)},
            "budget-spent": {"limits": Limits(hourly=0, period=3600)},
        }.get(setup, {})
        url = xurrent_site(**options).server.url
    if setup == "bad-secret":
        monkeypatch.setenv(SECRET_ENV, "not-the-secret")
    if setup == "wrong-account":
        account = "nobody"
    xurrent_environment(repo, url, account=account)

    result = cli("ping", "live")

    assert result.code == 1
    assert expected in result.err
    assert "ping live:" in result.err
    assert secret not in result.out + result.err
    assert "Traceback" not in result.err


def test_ping_on_a_provider_without_ping_lists_each_kind(
    repo: Any, cli: Callable[..., Any]
) -> None:
    result = cli("ping", "dev")

    assert result.code == 0, result.err
    assert "sandbox" in result.out and "calendar" in result.out
    assert "rate-limit budget: not reported" in result.out


# -- TLS: verification is on unless the account's CA is given -------------------------------


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The fake account behind TLS with a self-signed certificate for 127.0.0.1."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    try:
        subprocess.run(
            [
                # An EC key: made at once, where an RSA key takes up to a second to find.
                *("openssl", "req", "-x509", "-newkey", "ec", "-nodes", "-days", "1"),
                *("-pkeyopt", "ec_paramgen_curve:prime256v1"),
                *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
                *("-addext", "subjectAltName=IP:127.0.0.1"),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("openssl is needed to make a test certificate")
    server = LoopbackServer(XurrentHandler, XurrentAccount())
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    with server:
        yield server.url.replace("http://", "https://"), cert


def test_tls_is_verified_by_default_and_a_ca_bundle_lets_it_through(
    repo: Any, cli: Callable[..., Any], secret: str, tls_server: tuple[str, Path]
) -> None:
    url, cert = tls_server
    xurrent_environment(repo, url)

    refused = cli("ping", "live")
    xurrent_environment(repo, url, http=f", ca_bundle: '{cert}'")
    trusted = cli("ping", "live")

    assert refused.code == 1
    assert "unreachable" in refused.err and "certificate" in refused.err
    assert trusted.code == 0, trusted.err
    assert "ping live: ok" in trusted.out
