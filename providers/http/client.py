"""The one HTTP layer of every provider that reaches a live account over the network.

It owns what every such provider must get right once: authentication
(:mod:`syncset.providers.http.auth`), a total deadline on every call
(:mod:`syncset.providers.http.deadline`), retries only where they are safe, the burst limiter and
budget pacing (:mod:`syncset.providers.http.limits`), counting calls into
:class:`syncset.providers.base.ApiStats`, and error messages that never carry a secret
(:mod:`syncset.providers.http.errors`; classes re-exported here).

Why writes are special: a POST that timed out or lost its connection may have been committed.
Re-sending it blindly creates a duplicate, so this layer never retries a write after it may have
reached the server; it raises :class:`OutcomeUnknown`, and :meth:`HttpClient.create_once` looks the
record up by its ownership marker before anything is sent again.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt

from syncset.providers.base import ApiStats
from syncset.providers.http.auth import ApiKeyAuth, Auth, BearerAuth, ClientCredentials, NoAuth
from syncset.providers.http.clock import SYSTEM_CLOCK, Clock
from syncset.providers.http.create import Record, create_once
from syncset.providers.http.deadline import DeadlinePassed, deadline_client, ssl_verification
from syncset.providers.http.errors import (
    AuthFailed,
    HttpError,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    Redactor,
    RequestRefused,
    ServerFailed,
    TimedOut,
    Unreachable,
)
from syncset.providers.http.limits import (
    NOTICEABLE,
    Allowance,
    Budget,
    BurstLimiter,
    retry_after,
    until,
)
from syncset.providers.http.ping import KindCheck, PingReport

__all__ = [
    "Allowance",
    "ApiKeyAuth",
    "Auth",
    "AuthFailed",
    "BearerAuth",
    "ClientCredentials",
    "HttpClient",
    "HttpError",
    "HttpSettings",
    "KindCheck",
    "NoAuth",
    "OutcomeUnknown",
    "PermissionDenied",
    "PingReport",
    "RateLimited",
    "Redactor",
    "RequestRefused",
    "ServerFailed",
    "TimedOut",
    "Unreachable",
    "check_url",
]

log = logging.getLogger("syncset.http")


class BurstSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requests: PositiveInt = 20
    per_seconds: PositiveFloat = 2.0


class HttpSettings(BaseModel):
    """``http:`` in an account's settings; the defaults suit 4me/Xurrent."""

    model_config = ConfigDict(extra="forbid")
    timeout_seconds: PositiveFloat = 30.0
    connect_timeout_seconds: PositiveFloat = 10.0
    max_attempts: int = Field(default=5, ge=1, le=20)
    backoff_seconds: float = Field(default=0.5, ge=0)
    max_wait_seconds: float = Field(
        default=120.0, ge=0, description="Longest Retry-After or budget pause waited out."
    )
    burst: BurstSettings = Field(default_factory=BurstSettings)
    budget_reserve: float = Field(
        default=0.05, ge=0, lt=1, description="Share of the hourly budget below which to pace."
    )
    verify_tls: bool = True
    ca_bundle: str | None = None


_NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


class HttpClient:
    """A ``httpx.Client`` with the account's auth, limits and retry rules."""

    def __init__(
        self,
        auth: Auth,
        settings: HttpSettings,
        stats: ApiStats,
        headers: dict[str, str] | None = None,
        redactor: Redactor | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.auth = auth
        self.clock = clock
        self.settings = settings
        self.stats = stats
        self.redactor = redactor or Redactor()
        self.limiter = BurstLimiter(settings.burst.requests, settings.burst.per_seconds, clock)
        self.budget = Budget(settings.budget_reserve, settings.max_wait_seconds, clock)
        self._lock = threading.Lock()
        self._closed = False
        self._client = deadline_client(
            settings.timeout_seconds,
            settings.connect_timeout_seconds,
            ssl_verification(settings.verify_tls, settings.ca_bundle),
            {"User-Agent": "syncset", **(headers or {})},
        )

    def close(self) -> None:
        """Release the connections. A request of another thread still under way fails at
        its next attempt instead of retrying (a plan abandoning its early read, prefetch.py)."""
        self._closed = True
        self._client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        kind: str | None = None,
        idempotent: bool,
        accept: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send one logical request; returns a 2xx response or one whose status is in accept.

        ``idempotent`` says whether the request may be repeated after it may have reached the
        server (reads and GraphQL queries: yes; creates: never).
        """
        where = f"{method} {_shown(url)}"
        refreshed = False
        waits = 0
        attempt = 0
        while True:
            attempt += 1
            if self._closed:
                raise HttpError(f"{where}: not sent, the connection was closed")
            slot = self.limiter.acquire()
            self.budget.pace()
            sent = self.auth.headers(self)
            try:
                response = self._client.request(method, url, json=json, params=params, headers=sent)
            except _NEVER_SENT as exc:
                self.limiter.complete(slot)
                self._count(kind)
                if attempt < self.settings.max_attempts:
                    self._backoff(attempt)
                    continue
                raise self._unreachable(where, exc) from None
            except httpx.TransportError as exc:
                self.limiter.complete(slot)
                self._count(kind)
                if idempotent and attempt < self.settings.max_attempts:
                    self._backoff(attempt)
                    continue
                raise self._lost(where, exc, idempotent) from None
            status = response.status_code
            refused = retry_after(response, clock=self.clock) if status == 429 else None
            self.limiter.complete(slot, refused)
            self._count(kind)
            self._observe(response)
            log.debug("%s -> %s", where, status)
            if 200 <= status < 300 or status in accept:
                return response
            if status == 429 and waits < self.settings.max_attempts * 2:
                waits += 1
                attempt -= 1
                self._throttled(response, where)
                continue
            if status == 401 and not refreshed and self.auth.refresh(self, sent):
                refreshed = True
                attempt -= 1
                continue
            if status >= 500 and idempotent and attempt < self.settings.max_attempts:
                self._backoff(attempt)
                continue
            raise self._refusal(where, response, idempotent)

    def fetch_token(self, token_url: str, form: dict[str, str]) -> dict[str, Any]:
        """POST a token request (safe to repeat: at worst it mints a second token)."""
        self.redactor.add(form.get("client_secret"))
        where = f"token request to {_shown(token_url)}"
        for attempt in range(1, self.settings.max_attempts + 1):
            try:
                response = self._client.post(token_url, data=form)
            except httpx.TransportError as exc:
                if attempt < self.settings.max_attempts:
                    self._backoff(attempt)
                    continue
                if isinstance(exc, _NEVER_SENT):
                    raise self._unreachable(where, exc) from None
                raise self._lost(where, exc, True) from None
            if response.status_code >= 500 and attempt < self.settings.max_attempts:
                self._backoff(attempt)
                continue
            if response.status_code == 429 and attempt < self.settings.max_attempts:
                self._throttled(response, where)
                continue
            if response.status_code >= 500:
                raise ServerFailed(f"{where}: HTTP {response.status_code} after retries")
            if response.status_code != 200:
                raise AuthFailed(
                    self.redactor.clean(
                        f"{where} was refused (HTTP {response.status_code}"
                        f"{_detail(response)}): check client_id and client_secret"
                    )
                )
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise AuthFailed(f"{where} did not answer with JSON")
            return body
        raise AuthFailed(f"{where} failed")  # pragma: no cover - the loop always returns/raises

    def create_once(
        self, send: Callable[[], Record], find: Callable[[], Record | None] | None, what: str
    ) -> Record:
        """:func:`~syncset.providers.http.create.create_once` with this client's attempts,
        clock, and its timeout as the grace wait after a create that timed out."""
        attempts, grace = self.settings.max_attempts, self.settings.timeout_seconds
        return create_once(send, find, attempts, what, grace, self.clock)

    # -- internals ----------------------------------------------------------------------------

    def _count(self, kind: str | None) -> None:
        with self._lock:
            self.stats.count(kind)

    def _observe(self, response: httpx.Response) -> None:
        self.budget.observe(response.headers)
        if self.budget.requests.limit is not None:
            with self._lock:
                self.stats.budget_remaining = self.budget.requests.remaining

    def _backoff(self, attempt: int) -> None:
        if self._closed:
            return  # the next attempt fails at once
        base = self.settings.backoff_seconds * 2 ** (attempt - 1)
        self.clock.sleep(min(base, 30.0) * (0.5 + random.random() / 2))

    def _throttled(self, response: httpx.Response, where: str) -> None:
        wait = retry_after(response, clock=self.clock)
        if wait > self.settings.max_wait_seconds:
            raise RateLimited(
                f"{where}: the account asks to wait {wait:.0f}s (HTTP 429), longer than "
                f"http.max_wait_seconds ({self.settings.max_wait_seconds:.0f}): run again later"
            )
        pause = max(wait, self.limiter.window)
        if pause >= NOTICEABLE:
            log.warning(
                "%s: the account asked to wait (HTTP 429, Retry-After): waiting %.0fs (until %s)",
                where,
                pause,
                until(self.clock, pause),
            )
        self.limiter.pause(pause)

    def _unreachable(self, where: str, exc: Exception) -> HttpError:
        text = str(exc).lower()
        if "certificate" in text or "ssl" in text or "tls" in text:
            return Unreachable(f"{where}: TLS verification failed ({_reason(exc)})")
        return Unreachable(self.redactor.clean(f"{where}: cannot connect ({_reason(exc)})"))

    def _lost(self, where: str, exc: Exception, idempotent: bool) -> HttpError:
        reason = _reason(exc)
        if idempotent:
            attempts = self.settings.max_attempts
            cls: type[HttpError] = (
                TimedOut if isinstance(exc, httpx.TimeoutException) else ServerFailed
            )
            return cls(f"{where}: no answer after {attempts} attempts ({reason})")
        return OutcomeUnknown(
            f"{where}: sent, but no answer came ({reason}); it may have landed",
            pending=isinstance(exc, httpx.TimeoutException),
        )

    def _refusal(self, where: str, response: httpx.Response, idempotent: bool) -> HttpError:
        status = response.status_code
        detail = self.redactor.clean(_detail(response))
        if status == 401:
            return AuthFailed(f"{where}: the credentials were refused (HTTP 401{detail})")
        if status == 403:
            return PermissionDenied(f"{where}: access denied (HTTP 403{detail})")
        if status == 429:
            return RateLimited(f"{where}: still rate limited after waiting (HTTP 429)")
        if status >= 500:
            if not idempotent:
                return OutcomeUnknown(f"{where}: HTTP {status}{detail}; it may have landed")
            return ServerFailed(f"{where}: HTTP {status}{detail} after retries")
        try:
            body = response.json()
        except ValueError:
            body = None
        return RequestRefused(f"{where}: HTTP {status}{detail}", status, body)


def _shown(url: str) -> str:
    """A URL fit for messages: no query string, no user info (either may hold a key)."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(query=None, fragment=None, userinfo=b""))


def _reason(exc: Exception) -> str:
    """The kind of transport failure, without httpx's text (which may quote the request)."""
    names = {
        httpx.ConnectTimeout: "connect timeout",
        httpx.ReadTimeout: "read timeout",
        httpx.WriteTimeout: "write timeout",
        httpx.PoolTimeout: "pool timeout",
        httpx.RemoteProtocolError: "connection dropped",
        httpx.ReadError: "connection dropped",
        httpx.ConnectError: "connection failed",
    }
    if isinstance(exc.__cause__, DeadlinePassed):
        return "no whole answer within http.timeout_seconds"
    for cls, name in names.items():
        if isinstance(exc, cls):
            text = str(exc).lower()
            if cls is httpx.ConnectError and ("certificate" in text or "ssl" in text):
                return "certificate not trusted"
            if cls is httpx.ConnectError and "refused" in text:
                return "connection refused"
            if cls is httpx.ConnectError and ("name" in text or "address" in text):
                return "host not found"
            return name
    return type(exc).__name__


def _detail(response: httpx.Response) -> str:
    """``: <message>`` from an error body (first 200 characters), or nothing."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return f": {text[:200]}" if text and len(text) < 500 else ""
    message: Any = None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            message = errors[0].get("message")
        message = message or body.get("error_description") or body.get("message")
        message = message or body.get("error")
    return f": {str(message)[:200]}" if message else ""


def check_url(url: str) -> str:
    """Refuse plain ``http://`` except on loopback: credentials must not cross a network bare."""
    parsed = httpx.URL(url)
    if parsed.scheme == "https":
        return url
    if parsed.scheme == "http" and parsed.host in ("127.0.0.1", "localhost", "::1"):
        return url
    raise ValueError(f"{_shown(url)}: use https:// (plain http is only allowed on loopback)")
