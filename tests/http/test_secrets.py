"""Credentials never show: not in exception text, logs, reprs, or the ping output.

The fakes can *echo* the caller's credentials in their error bodies, as careless servers do, so
these tests prove the client scrubs what the server sends back, not only what it writes itself.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from fake_clock import FakeClock
from fake_sites import (
    CLIENT_SECRET,
    FAST_HTTP,
    PERSONAL_TOKEN,
    REST_API_KEY,
    RestSite,
    XurrentSite,
)
from serverkit import Faults, JsonHandler, LoopbackServer, Tokens, serving

from syncset.errors import ProviderError
from syncset.providers.base import ProviderContext
from syncset.providers.http.client import AuthFailed, ServerFailed
from syncset.providers.registry import REGISTRY

SECRETS = (CLIENT_SECRET, PERSONAL_TOKEN, REST_API_KEY)


def assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_a_refused_personal_token_echoed_by_the_server_is_masked(
    xurrent_site: Callable[..., XurrentSite], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    site = xurrent_site(echo_credentials=True)
    provider = site.provider(token=PERSONAL_TOKEN, client_id=None, client_secret=None)

    with pytest.raises(AuthFailed) as refused:
        provider.list("team")

    assert "***" in str(refused.value), "the echoed token was there to be scrubbed"
    assert_clean(str(refused.value), repr(refused.value), caplog.text, repr(provider))


def test_a_server_error_echoing_the_oauth_token_is_masked(
    xurrent_site: Callable[..., XurrentSite], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    site = xurrent_site(echo_credentials=True, faults=Faults(read_500=1.0))
    provider = site.provider(http={"max_attempts": 2})

    with pytest.raises(ServerFailed) as failed:
        provider.list("team")

    assert "while serving Bearer ***" in str(failed.value)
    assert_clean(str(failed.value), caplog.text)


def test_a_refused_client_secret_is_not_repeated(
    xurrent_site: Callable[..., XurrentSite], clock: FakeClock
) -> None:
    clients = {"syncset-ci": "another-secret-entirely"}
    site = xurrent_site(tokens=Tokens(clients=clients, clock=clock))
    provider = site.provider()

    with pytest.raises(AuthFailed) as refused:
        provider.list("team")

    assert "invalid_client" in str(refused.value) or "Client unknown" in str(refused.value)
    assert_clean(str(refused.value))


def test_an_api_key_echoed_by_a_rest_server_is_masked(
    rest_site: Callable[..., RestSite], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    site = rest_site(auth="api_key", echo_credentials=True, faults=Faults(write_500_before=1.0))
    provider = site.provider()

    with pytest.raises(ProviderError) as failed:
        provider.create("solution", {"name": "Payroll"}, None)

    assert "***" in str(failed.value)
    assert_clean(str(failed.value), caplog.text)


def test_settings_and_providers_print_without_secrets(
    xurrent_site: Callable[..., XurrentSite], rest_site: Callable[..., RestSite]
) -> None:
    xurrent = xurrent_site()
    rest = rest_site(auth="api_key")
    xurrent_settings = REGISTRY.validate_settings("xurrent", xurrent.settings())
    rest_settings = REGISTRY.validate_settings("rest", rest.settings())
    providers = [xurrent.provider(), rest.provider()]

    assert_clean(
        repr(xurrent_settings),
        str(xurrent_settings),
        repr(rest_settings),
        xurrent_settings.model_dump_json(),
        rest_settings.model_dump_json(),
        *(repr(p) + p.describe() + repr(vars(p)) for p in providers),
    )


ODD_SECRET = "S3cr3t+V@lue/42!"
"""A credential whose URL-encoded, base64 and JSON forms all differ from itself."""


class CarelessHandler(JsonHandler):
    """A platform that refuses every call and quotes the credential in another encoding: as the
    Basic header it wanted, percent-encoded in a link, and the token request's form body."""

    def do_GET(self) -> None:
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        basic = base64.b64encode(f"syncset:{token}".encode()).decode()
        link = f"https://help.example/why?token={quote(token, safe='')}"
        self.send_json(401, {"error": f"send Authorization: Basic {basic} (see {link})"})

    def do_POST(self) -> None:
        self.send_json(401, {"error": f"invalid_client for {self.body().decode()}"})


def careless_provider(server: LoopbackServer, auth: dict[str, str], tmp_path: Any) -> Any:
    settings = {
        "base_url": f"{server.url}/api",
        "auth": auth,
        "kinds": {"solution": {"list": "/solutions"}},
        "http": {**FAST_HTTP, "max_attempts": 1},
    }
    return REGISTRY.open("rest", settings, ProviderContext(root=str(tmp_path), environment="test"))


def encodings_of(secret: str) -> list[str]:
    basic = base64.b64encode(f"syncset:{secret}".encode()).decode()
    return [secret, quote(secret, safe=""), quote_plus(secret), basic[4:-4]]


def test_an_echoed_basic_header_is_masked(tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with serving(CarelessHandler, None) as server:
        provider = careless_provider(server, {"type": "bearer", "token": ODD_SECRET}, tmp_path)
        try:
            with pytest.raises(AuthFailed) as refused:
                provider.list("solution")
        finally:
            provider.close()

    shown = str(refused.value)
    assert "why?token=***" in shown
    basic = shown.split("send Authorization: Basic ")[1].split()[0]
    assert "***" in basic and len(basic.replace("***", "")) < 16  # "syncset:" and the edges
    for encoded in encodings_of(ODD_SECRET):
        assert encoded not in shown + caplog.text


def test_a_client_secret_echoed_url_encoded_in_the_form_body_is_masked(tmp_path: Any) -> None:
    auth = {
        "type": "oauth_client_credentials",
        "client_id": "syncset",
        "client_secret": ODD_SECRET,
    }
    with serving(CarelessHandler, None) as server:
        auth["token_url"] = f"{server.url}/token"
        provider = careless_provider(server, auth, tmp_path)
        try:
            with pytest.raises(AuthFailed) as refused:
                provider.list("solution")
        finally:
            provider.close()

    assert "client_secret=***" in str(refused.value)
    for encoded in encodings_of(ODD_SECRET):
        assert encoded not in str(refused.value)
