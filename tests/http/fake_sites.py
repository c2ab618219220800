"""Fake accounts on 127.0.0.1 (4me/Xurrent, a REST platform) and providers pointed at them."""

from __future__ import annotations

from typing import Any

from fake_clock import FakeClock
from rest_server import RestAccount
from serverkit import LoopbackServer
from xurrent_server import XurrentAccount

from syncset.providers.base import ProviderContext
from syncset.providers.registry import REGISTRY
from syncset.providers.rest.provider import RestProvider
from syncset.providers.xurrent.provider import XurrentProvider

CLIENT_ID = "syncset-ci"
CLIENT_SECRET = "s3cr3t-client-secret"
PERSONAL_TOKEN = "pat-0123456789abcdef"

FAST_HTTP: dict[str, Any] = {
    "timeout_seconds": 2.0,
    "connect_timeout_seconds": 2.0,
    "backoff_seconds": 0.01,
    "max_wait_seconds": 10,
}
"""Short timeouts and back-off (on the fake clock a back-off takes no time anyway)."""


class XurrentSite:
    """A running fake account and a way to open providers on it, on the account's clock."""

    def __init__(
        self, account: XurrentAccount, server: LoopbackServer, tmp: str, clock: FakeClock
    ) -> None:
        self.account = account
        self.server = server
        self.tmp = tmp
        self.clock = clock
        self.opened: list[XurrentProvider] = []

    def settings(self, **overrides: Any) -> dict[str, Any]:
        http = {**FAST_HTTP, **overrides.pop("http", {})}
        settings: dict[str, Any] = {
            "account": self.account.account,
            "url": f"{self.server.url}/graphql",
            "token_url": f"{self.server.url}/token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "http": http,
        }
        settings.update(overrides)
        return {k: v for k, v in settings.items() if v is not None}

    def provider(self, **overrides: Any) -> XurrentProvider:
        context = ProviderContext(root=self.tmp, environment="test", clock=_same_clock(self))
        provider = REGISTRY.open("xurrent", self.settings(**overrides), context)
        assert isinstance(provider, XurrentProvider)
        self.opened.append(provider)
        return provider


def _same_clock(site: XurrentSite | RestSite) -> FakeClock:
    """The site's clock, once it is sure the account's limits and tokens read it too."""
    for part in (site.account.limits, site.account.tokens):
        if part.clock is not site.clock:
            raise AssertionError(f"give {type(part).__name__}(..., clock=clock): one clock a test")
    return site.clock


REST_API_KEY = "rk_live_0123456789abcdef"

REST_KINDS: dict[str, Any] = {
    "solution": {
        "list": "/solutions",
        "fields": {"name": "display_name", "disabled": "archived"},
        "ownership": {"source": "origin", "source_id": "origin_ref"},
        "marker_query": {"origin_ref": "{source_id}"},
        "pagination": {"style": "link-header"},
    },
    "connection": {
        "list": "/connections",
        "records": "results",
        "marker_query": {"source_id": "{source_id}"},
        "pagination": {"style": "page", "total_pages": "meta.total_pages"},
    },
    "flow": {
        "list": "/flows",
        "records": "data.items",
        "record": "data",
        "removal": "delete",
        "update_method": "PUT",
        "fields": {"solution": "solution_id", "connections": "connection_ids"},
        "pagination": {"style": "cursor", "next_cursor": "meta.next_cursor"},
    },
}
"""How the fake platform of ``rest_server`` is described in environment.yaml."""


class RestSite:
    """A running fake REST platform and a way to open ``rest`` providers on it."""

    def __init__(
        self, account: RestAccount, server: LoopbackServer, tmp: str, clock: FakeClock
    ) -> None:
        self.account = account
        self.server = server
        self.tmp = tmp
        self.clock = clock
        self.opened: list[RestProvider] = []

    def auth(self) -> dict[str, Any]:
        if self.account.auth == "api_key":
            return {"type": "api_key", "header": "X-Api-Key", "key": REST_API_KEY}
        if self.account.auth == "bearer":
            return {"type": "bearer", "token": PERSONAL_TOKEN}
        return {
            "type": "oauth_client_credentials",
            "token_url": f"{self.server.url}/token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }

    def settings(self, **overrides: Any) -> dict[str, Any]:
        settings: dict[str, Any] = {
            "base_url": f"{self.server.url}/api",
            "auth": self.auth(),
            "kinds": REST_KINDS,
            "http": {**FAST_HTTP, **overrides.pop("http", {})},
        }
        settings.update(overrides)
        return settings

    def provider(self, **overrides: Any) -> RestProvider:
        context = ProviderContext(root=self.tmp, environment="test", clock=_same_clock(self))
        provider = REGISTRY.open("rest", self.settings(**overrides), context)
        assert isinstance(provider, RestProvider)
        self.opened.append(provider)
        return provider
