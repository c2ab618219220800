"""Authentication schemes of the HTTP layer: bearer token, API key header, OAuth client credentials.

Each scheme gives the headers of one request and says whether a refused credential can be
renewed (only OAuth can: a 401 then fetches one new token and the request is sent once more).
Their ``repr`` is the default object repr, so a scheme printed by accident shows no secret.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from syncset.providers.http.clock import Clock
from syncset.providers.http.errors import AuthFailed, Redactor


class TokenEndpoint(Protocol):
    """What a scheme needs of the HTTP client: a token request, a redactor for the token, and
    the clock that tells when the token expires."""

    redactor: Redactor
    clock: Clock

    def fetch_token(self, token_url: str, form: dict[str, str]) -> dict[str, Any]: ...


class Auth(Protocol):
    def headers(self, http: TokenEndpoint) -> dict[str, str]: ...

    def refresh(self, http: TokenEndpoint, sent: dict[str, str]) -> bool:
        """Drop the credential ``sent`` (refused with a 401); True when a new one can be had."""
        ...

    def describe(self) -> str: ...


class NoAuth:
    def headers(self, http: TokenEndpoint) -> dict[str, str]:
        return {}

    def refresh(self, http: TokenEndpoint, sent: dict[str, str]) -> bool:
        return False

    def describe(self) -> str:
        return "no authentication"


@dataclass(repr=False)
class BearerAuth:
    token: str

    def headers(self, http: TokenEndpoint) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def refresh(self, http: TokenEndpoint, sent: dict[str, str]) -> bool:
        return False

    def describe(self) -> str:
        return "bearer token"


@dataclass(repr=False)
class ApiKeyAuth:
    header: str
    key: str
    prefix: str = ""

    def headers(self, http: TokenEndpoint) -> dict[str, str]:
        return {self.header: f"{self.prefix}{self.key}"}

    def refresh(self, http: TokenEndpoint, sent: dict[str, str]) -> bool:
        return False

    def describe(self) -> str:
        return f"API key in header {self.header}"


@dataclass(repr=False)
class ClientCredentials:
    """OAuth 2 client credentials: a token fetched once, cached, renewed before it expires."""

    token_url: str
    client_id: str
    client_secret: str
    scope: str | None = None
    refresh_before_seconds: float = 60.0
    _token: str | None = field(default=None, init=False)
    _expires_at: float = field(default=0.0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def headers(self, http: TokenEndpoint) -> dict[str, str]:
        with self._lock:  # apply writes from several threads: fetch one token, not four
            if self._token is None or http.clock.monotonic() >= self._expires_at:
                self._fetch(http)
            return {"Authorization": f"Bearer {self._token}"}

    def refresh(self, http: TokenEndpoint, sent: dict[str, str]) -> bool:
        with self._lock:
            # Only the token that was refused is dropped: threads that saw the same 401
            # share one new token.
            if sent.get("Authorization") == f"Bearer {self._token}":
                self._token = None
        return True

    def describe(self) -> str:
        return "OAuth client credentials"

    def _fetch(self, http: TokenEndpoint) -> None:
        form = {"grant_type": "client_credentials", "client_id": self.client_id}
        form["client_secret"] = self.client_secret
        if self.scope:
            form["scope"] = self.scope
        body = http.fetch_token(self.token_url, form)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthFailed("the token endpoint answered without an access_token")
        http.redactor.add(token)
        lifetime = float(body.get("expires_in") or 3600)
        # Renew early (at most half the lifetime early), so no call ever carries a dead token.
        self._expires_at = (
            http.clock.monotonic() + lifetime - min(self.refresh_before_seconds, lifetime / 2)
        )
        self._token = token
