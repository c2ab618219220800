"""Credentials never show: not in exception text, logs, reprs, or the ping output.

The fakes can *echo* the caller's credentials in their error bodies, as careless servers do, so
these tests prove the client scrubs what the server sends back, not only what it writes itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fake_sites import CLIENT_SECRET, PERSONAL_TOKEN, REST_API_KEY, RestSite, XurrentSite
from serverkit import Faults, Tokens

from syncset.errors import ProviderError
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
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    site = xurrent_site(tokens=Tokens(clients={"syncset-ci": "another-secret-entirely"}))
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
