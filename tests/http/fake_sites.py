"""A fake 4me/Xurrent account on 127.0.0.1 and providers pointed at it (used by conftest)."""

from __future__ import annotations

from typing import Any

from serverkit import LoopbackServer
from xurrent_server import XurrentAccount

from providers.base import ProviderContext
from providers.registry import REGISTRY
from providers.xurrent import XurrentProvider

CLIENT_ID = "syncset-ci"
CLIENT_SECRET = "s3cr3t-client-secret"
PERSONAL_TOKEN = "pat-0123456789abcdef"

FAST_HTTP: dict[str, Any] = {
    "timeout_seconds": 0.5,
    "connect_timeout_seconds": 0.5,
    "backoff_seconds": 0.01,
    "max_wait_seconds": 10,
}
"""Short timeouts and back-off, so that fault tests take seconds, not minutes."""


class XurrentSite:
    """A running fake account and a way to open providers on it."""

    def __init__(self, account: XurrentAccount, server: LoopbackServer, tmp: str) -> None:
        self.account = account
        self.server = server
        self.tmp = tmp
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
        context = ProviderContext(root=self.tmp, environment="test")
        provider = REGISTRY.open("xurrent", self.settings(**overrides), context)
        assert isinstance(provider, XurrentProvider)
        self.opened.append(provider)
        return provider
