"""The one HTTP layer of every provider that reaches a live account over the network.

It owns what every such provider must get right once: authentication (a bearer token, an API
key header, or OAuth client credentials fetched, cached and refreshed), a timeout on every call,
retries only where they are safe, a client-side burst limiter, pacing by the account's hourly
budget headers, counting calls into :class:`providers.base.ApiStats`, and error messages that
never carry a secret. The error tree (all :class:`engine.errors.ProviderError`)::

    HttpError            ``category`` names the failure class for ``syncset ping``
    ├── Unreachable      no connection (refused, DNS, TLS): nothing was sent
    ├── TimedOut         a read got no answer in time, even after retries
    ├── AuthFailed       credentials refused (token endpoint, or 401 after one refresh)
    ├── PermissionDenied HTTP 403, or an API that says the token may not read a kind
    ├── RateLimited      429 beyond what we may wait, or the hourly budget is spent
    ├── ServerFailed     5xx on a read, after retries
    ├── RequestRefused   any other 4xx (``status`` says which)
    └── OutcomeUnknown   a write was sent and no answer came: it may have landed, so the
                         caller looks it up by its ownership marker before sending it again

Why writes are special: a POST that timed out or lost its connection may have been committed.
Re-sending it blindly creates a duplicate, so this layer never retries a write after it may
have reached the server; it raises :class:`OutcomeUnknown` and the provider decides.
"""

from __future__ import annotations

import email.utils
import logging
import random
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt

from engine.errors import ProviderError
from providers.base import ApiStats

log = logging.getLogger("syncset.http")


class HttpError(ProviderError):
    category: ClassVar[str] = "error"


class Unreachable(HttpError):
    category = "unreachable"


class TimedOut(HttpError):
    category = "timeout"


class AuthFailed(HttpError):
    category = "authentication"


class PermissionDenied(HttpError):
    category = "permission"


class RateLimited(HttpError):
    category = "rate-limit"


class ServerFailed(HttpError):
    category = "server"


class RequestRefused(HttpError):
    category = "refused"

    def __init__(self, message: str, status: int, body: Any = None) -> None:
        self.status = status
        self.body = body
        super().__init__(message)


class OutcomeUnknown(HttpError):
    category = "unknown-outcome"


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


class Redactor:
    """Knows every secret of one client and removes them from any text shown to a user."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, *values: str | None) -> None:
        self._secrets.update(v for v in values if v and len(v) >= 4)

    def clean(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text


class Auth(Protocol):
    def headers(self, http: HttpClient) -> dict[str, str]: ...

    def refresh(self, http: HttpClient, sent: dict[str, str]) -> bool:
        """Drop the credential ``sent`` (refused with a 401); True when a new one can be had."""
        ...

    def describe(self) -> str: ...


class NoAuth:
    def headers(self, http: HttpClient) -> dict[str, str]:
        return {}

    def refresh(self, http: HttpClient, sent: dict[str, str]) -> bool:
        return False

    def describe(self) -> str:
        return "no authentication"


@dataclass(repr=False)
class BearerAuth:
    token: str

    def headers(self, http: HttpClient) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def refresh(self, http: HttpClient, sent: dict[str, str]) -> bool:
        return False

    def describe(self) -> str:
        return "bearer token"


@dataclass(repr=False)
class ApiKeyAuth:
    header: str
    key: str
    prefix: str = ""

    def headers(self, http: HttpClient) -> dict[str, str]:
        return {self.header: f"{self.prefix}{self.key}"}

    def refresh(self, http: HttpClient, sent: dict[str, str]) -> bool:
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

    def headers(self, http: HttpClient) -> dict[str, str]:
        with self._lock:  # apply writes from several threads: fetch one token, not four
            if self._token is None or time.monotonic() >= self._expires_at:
                self._fetch(http)
            return {"Authorization": f"Bearer {self._token}"}

    def refresh(self, http: HttpClient, sent: dict[str, str]) -> bool:
        with self._lock:
            # Only the token that was refused is dropped: threads that saw the same 401
            # share one new token.
            if sent.get("Authorization") == f"Bearer {self._token}":
                self._token = None
        return True

    def describe(self) -> str:
        return "OAuth client credentials"

    def _fetch(self, http: HttpClient) -> None:
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
            time.monotonic() + lifetime - min(self.refresh_before_seconds, lifetime / 2)
        )
        self._token = token


class BurstLimiter:
    """At most ``requests`` sends in any ``per_seconds`` window, measured at the client.

    The window is widened by a small margin because the server measures arrival, not sending.
    After a 429 the limiter pauses every send for at least one whole window: a 429 means our
    view of the server's window was wrong (another client shares the token), so let it drain.
    """

    def __init__(self, requests: int, per_seconds: float) -> None:
        self.requests = requests
        self.window = per_seconds * 1.05 + 0.02
        self._sent: list[float] = []
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            for _ in range(10_000):
                now = time.monotonic()
                if now < self._paused_until:
                    time.sleep(self._paused_until - now)
                    continue
                self._sent = [t for t in self._sent if t > now - self.window]
                if len(self._sent) < self.requests:
                    self._sent.append(now)
                    return
                time.sleep(self._sent[0] + self.window - now)
            raise RateLimited("the burst limiter could not find a free slot")

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)


@dataclass
class Allowance:
    """One hourly allowance as the server reports it (requests, or query-cost points)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    """Epoch seconds when the allowance refills."""


class Budget:
    """Reads ``X-RateLimit-*`` and ``X-CostLimit-*`` and slows down before they run out.

    Below ``reserve`` of an allowance, the calls left are spread evenly over the time until
    it resets; at zero it waits for the reset, or gives up when that is beyond ``max_wait``.
    """

    def __init__(self, reserve: float, max_wait: float) -> None:
        self.requests = Allowance()
        self.cost = Allowance()
        self._reserve = reserve
        self._max_wait = max_wait

    def observe(self, headers: httpx.Headers) -> None:
        for allowance, prefix in ((self.requests, "x-ratelimit"), (self.cost, "x-costlimit")):
            limit, remaining = headers.get(f"{prefix}-limit"), headers.get(f"{prefix}-remaining")
            reset = headers.get(f"{prefix}-reset")
            if limit and limit.isdigit():
                allowance.limit = int(limit)
            if remaining and remaining.lstrip("-").isdigit():
                allowance.remaining = int(remaining)
            if reset and reset.replace(".", "", 1).isdigit():
                allowance.reset_at = float(reset)

    def pace(self) -> None:
        delay = max(self._delay(self.requests, "request"), self._delay(self.cost, "cost"))
        if delay > 0:
            log.debug("budget low: pausing %.2fs", delay)
            time.sleep(delay)

    def _delay(self, allowance: Allowance, what: str) -> float:
        if allowance.remaining is None or allowance.limit is None or allowance.reset_at is None:
            return 0.0
        until_reset = max(0.0, allowance.reset_at - time.time())
        reserve = max(1, int(allowance.limit * self._reserve))
        if allowance.remaining > reserve or until_reset == 0:
            return 0.0
        if allowance.remaining <= 0:
            if until_reset > self._max_wait:
                raise RateLimited(
                    f"the account's hourly {what} budget ({allowance.limit}) is spent; it "
                    f"refills in {until_reset:.0f}s: run again later"
                )
            allowance.remaining = None  # unknown until the next answer after the reset
            return until_reset + 0.05
        return min(until_reset / allowance.remaining, self._max_wait)


def retry_after(response: httpx.Response, default: float = 1.0) -> float:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    value = response.headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_to_datetime(value) if value else None
    return max(0.0, parsed.timestamp() - time.time()) if parsed else default


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
    ) -> None:
        self.auth = auth
        self.settings = settings
        self.stats = stats
        self.redactor = redactor or Redactor()
        self.limiter = BurstLimiter(settings.burst.requests, settings.burst.per_seconds)
        self.budget = Budget(settings.budget_reserve, settings.max_wait_seconds)
        self._lock = threading.Lock()
        verify: bool | ssl.SSLContext = settings.verify_tls
        if settings.verify_tls and settings.ca_bundle:
            verify = ssl.create_default_context(cafile=settings.ca_bundle)
        self._client = httpx.Client(
            timeout=httpx.Timeout(
                settings.timeout_seconds, connect=settings.connect_timeout_seconds
            ),
            verify=verify,
            headers={"User-Agent": "syncset", **(headers or {})},
            follow_redirects=False,
        )

    def close(self) -> None:
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
            self.limiter.acquire()
            self.budget.pace()
            sent = self.auth.headers(self)
            try:
                response = self._client.request(method, url, json=json, params=params, headers=sent)
            except _NEVER_SENT as exc:
                self._count(kind)
                if attempt < self.settings.max_attempts:
                    self._backoff(attempt)
                    continue
                raise self._unreachable(where, exc) from None
            except httpx.TransportError as exc:
                self._count(kind)
                if idempotent and attempt < self.settings.max_attempts:
                    self._backoff(attempt)
                    continue
                raise self._lost(where, exc, idempotent) from None
            self._count(kind)
            self._observe(response)
            status = response.status_code
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
        self.redactor.add(*form.values())
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

    # -- internals ----------------------------------------------------------------------------

    def _count(self, kind: str | None) -> None:
        with self._lock:
            self.stats.count(kind)

    def _observe(self, response: httpx.Response) -> None:
        self.budget.observe(response.headers)
        if self.budget.requests.limit is not None:
            self.stats.budget_limit = self.budget.requests.limit
            self.stats.budget_remaining = self.budget.requests.remaining

    def _backoff(self, attempt: int) -> None:
        base = self.settings.backoff_seconds * 2 ** (attempt - 1)
        time.sleep(min(base, 30.0) * (0.5 + random.random() / 2))

    def _throttled(self, response: httpx.Response, where: str) -> None:
        wait = retry_after(response)
        if wait > self.settings.max_wait_seconds:
            raise RateLimited(
                f"{where}: the account asks to wait {wait:.0f}s (HTTP 429), longer than "
                f"http.max_wait_seconds ({self.settings.max_wait_seconds:.0f}): run again later"
            )
        self.limiter.pause(max(wait, self.limiter.window))

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
        return OutcomeUnknown(f"{where}: sent, but no answer came ({reason}); it may have landed")

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


@dataclass
class KindCheck:
    """What ``syncset ping`` found for one kind: records on the first page, or the problem."""

    kind: str
    records: int | None = None
    problem: str | None = None
    category: str | None = None


@dataclass
class PingReport:
    """The result of a provider's ``ping()``: reached, authenticated, and what each kind said."""

    account: str
    kinds: list[KindCheck] = field(default_factory=list)
    requests: Allowance = field(default_factory=Allowance)
    cost: Allowance = field(default_factory=Allowance)

    @property
    def ok(self) -> bool:
        return all(check.problem is None for check in self.kinds)
