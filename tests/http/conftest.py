"""Fixtures for the HTTP providers: fake accounts on 127.0.0.1 and providers pointed at them.

There is deliberately no ``__init__.py`` in this folder: as a package it would be imported as
``http`` and hide the standard library's ``http`` (the servers need ``http.server``). The helper
modules (``serverkit``, ``xurrent_server``, ``fake_sites``, …) are imported by their own names,
which are unique in the suite (``conftest`` is not: never import from it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fake_clock import FakeClock
from fake_sites import CLIENT_ID, CLIENT_SECRET, RestSite, XurrentSite
from rest_server import RestAccount, RestHandler
from serverkit import Limits, LoopbackServer, Tokens
from xurrent_server import XurrentAccount, XurrentHandler

from syncset import workflow
from syncset.providers.base import ProviderContext


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The test's clock: the fake servers and the providers opened on them read it, those the
    command line opens in-process included (through the context workflow gives a provider)."""
    fake = FakeClock()
    monkeypatch.setattr(workflow, "ProviderContext", functools.partial(ProviderContext, clock=fake))
    return fake


def _on_clock(options: dict[str, Any], clock: FakeClock) -> dict[str, Any]:
    """The account's options, with limits and tokens on ``clock`` unless the test gives its own.

    ``site.provider()`` refuses an account that is not on the site's clock.
    """
    options.setdefault("limits", Limits(clock=clock))
    options.setdefault("tokens", Tokens(clients={CLIENT_ID: CLIENT_SECRET}, clock=clock))
    return options


def _sites(
    tmp_path: Any, clock: FakeClock, account_type: Any, handler: Any, site_type: Any
) -> Iterator[Callable[..., Any]]:
    """``start(**account_options)`` starts a fake account; all stop after the test."""
    running: list[tuple[Any, LoopbackServer]] = []

    def start(**options: Any) -> Any:
        account = account_type(**_on_clock(options, clock))
        server = LoopbackServer(handler, account).__enter__()
        site = site_type(account, server, str(tmp_path), clock)
        running.append((site, server))
        return site

    yield start
    for site, server in running:
        for provider in site.opened:
            provider.close()
        server.__exit__(None, None, None)


@pytest.fixture
def xurrent_site(tmp_path: Any, clock: FakeClock) -> Iterator[Callable[..., XurrentSite]]:
    """``xurrent_site(**account_options)`` starts a fake account; all stop after the test."""
    yield from _sites(tmp_path, clock, XurrentAccount, XurrentHandler, XurrentSite)


@pytest.fixture
def rest_site(tmp_path: Any, clock: FakeClock) -> Iterator[Callable[..., RestSite]]:
    """``rest_site(**account_options)`` starts a fake REST platform; all stop after the test."""
    yield from _sites(tmp_path, clock, RestAccount, RestHandler, RestSite)
