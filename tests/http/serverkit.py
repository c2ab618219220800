"""What every fake account server in these tests shares: loopback only, real sockets.

* :class:`LoopbackServer` runs a ``ThreadingHTTPServer`` on 127.0.0.1 (a free port) in a thread;
* :class:`Limits` is the burst limit (sliding window, 429 with ``Retry-After``) and the hourly
  allowance (``X-RateLimit-*`` headers, 429 when spent), per token;
* :class:`Tokens` is an OAuth client-credentials endpoint issuing expiring tokens, which can be
  revoked mid-run;
* :class:`Faults` injects 500s, slow answers and connections dropped after a write committed,
  from a seeded random generator so that a failing run can be replayed, and a round-trip
  ``latency`` on every answer (a real API's 50 ms, on a loopback that answers in one);

``Limits`` and ``Tokens`` read the time from their ``clock``: the real one (the ``time`` module)
by default, or the test's ``fake_clock.FakeClock`` that the provider under test reads too.
* :class:`Counters` counts what the server saw, so tests assert on the server's view.
"""

from __future__ import annotations

import json
import math
import random
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Protocol
from urllib.parse import parse_qs


class TimeSource(Protocol):
    def time(self) -> float:
        """Wall time in epoch seconds."""
        ...


class Counters:
    """A thread-safe :class:`collections.Counter`."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def __getitem__(self, name: str) -> int:
        with self._lock:
            return self._counts[name]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


@dataclass
class Limits:
    """Burst: at most ``burst`` accepted requests in any ``window`` seconds (sliding).

    Hourly: ``hourly`` requests per ``period`` seconds (a fixed period, as ``X-RateLimit-Reset``
    suggests); the headers go out on every answer.
    """

    burst: int = 20
    window: float = 2.0
    hourly: int = 3600
    period: float = 3600.0
    cost_hourly: int = 5000
    cost_per_request: int = 1
    clock: TimeSource = field(default=time)
    accepted_at: list[float] = field(default_factory=list)
    """When each accepted request arrived (the clock's wall time), for rates seen by the server."""
    refused_at: list[float] = field(default_factory=list)
    """When each request refused with a 429 arrived."""
    _sent: list[float] = field(default_factory=list)
    _period_start: float = field(init=False)
    _used: int = 0
    _cost: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._period_start = self.clock.time()

    def admit(self) -> tuple[float | None, dict[str, str]]:
        """``(retry_after or None, rate-limit headers)`` for one arriving request."""
        with self._lock:
            now = self.clock.time()
            if now >= self._period_start + self.period:
                self._period_start, self._used, self._cost = now, 0, 0
            reset = self._period_start + self.period
            if self._used >= self.hourly or self._cost + self.cost_per_request > self.cost_hourly:
                self.refused_at.append(now)
                return reset - now, self._headers(reset)
            self._sent = [t for t in self._sent if t > now - self.window]
            if len(self._sent) >= self.burst:
                self.refused_at.append(now)
                return self._sent[0] + self.window - now, self._headers(reset)
            self._sent.append(now)
            self.accepted_at.append(now)
            self._used += 1
            self._cost += self.cost_per_request
            return None, self._headers(reset)

    def _headers(self, reset: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.hourly),
            "X-RateLimit-Remaining": str(max(0, self.hourly - self._used)),
            "X-RateLimit-Reset": str(math.ceil(reset)),
            "X-CostLimit-Limit": str(self.cost_hourly),
            "X-CostLimit-Remaining": str(max(0, self.cost_hourly - self._cost)),
            "X-CostLimit-Reset": str(math.ceil(reset)),
        }


@dataclass
class Tokens:
    """Client credentials → expiring bearer tokens; static personal tokens never expire."""

    clients: dict[str, str] = field(default_factory=dict)
    personal: set[str] = field(default_factory=set)
    ttl: float = 3600.0
    revoke_after: int | None = None
    """Revoke every issued token once this many API requests were authenticated (a 401 mid-run)."""
    clock: TimeSource = field(default=time)
    _issued: dict[str, float] = field(default_factory=dict)
    _authenticated: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        client_id = form.get("client_id", "")
        if client_id not in self.clients or self.clients[client_id] != form.get("client_secret"):
            return 401, {"error": "invalid_client", "error_description": "Client unknown"}
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._issued[token] = self.clock.time() + self.ttl
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.ttl}

    def valid(self, header: str | None) -> str | None:
        """The token of a valid ``Authorization: Bearer`` header, else None."""
        token = (header or "").removeprefix("Bearer ").strip()
        with self._lock:
            if token in self.personal:
                return token
            if self._issued.get(token, 0) <= self.clock.time():
                return None
            self._authenticated += 1
            if self.revoke_after is not None and self._authenticated > self.revoke_after:
                self.revoke_after = None
                self._issued.clear()
                return None
            return token


@dataclass
class Faults:
    """Injected failures, drawn from a seeded generator (rates are probabilities).

    A slow answer is slow in real time, on any clock: the client gives up by its socket's
    timeout, which no clock of ours controls, so an answer that skipped ahead on a fake clock
    would come back in time and the test of a timeout would prove nothing.
    """

    read_500: float = 0.0
    write_500_before: float = 0.0
    write_500_after: float = 0.0
    write_drop_after: float = 0.0
    write_slow_after: float = 0.0
    read_slow: float = 0.0
    slow_seconds: float = 1.0
    latency: float = 0.0
    """Seconds every answer takes (token requests and refusals too), in real time: the round
    trip of a real API, so that a benchmark sees what waiting on the network costs."""
    seed: int = 7
    _rng: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def round_trip(self) -> None:
        """Hold the answer for :attr:`latency` (each request in its own server thread)."""
        if self.latency > 0:
            time.sleep(self.latency)

    def draw(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate


class JsonHandler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1 with JSON helpers; subclasses implement ``handle_post``/``get``."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stalls
    server_version = "FakeAccount/1"
    app: ClassVar[Any]

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log lines."""

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body().decode()).items()}

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def drop(self) -> None:
        """Close the connection without an answer (after the server did the work)."""
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def throttled(self, retry_after: float, headers: dict[str, str]) -> None:
        self.send_json(
            429,
            {"errors": [{"message": "Too Many Requests"}]},
            {**headers, "Retry-After": f"{max(retry_after, 0.01):.2f}"},
        )


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1; ``url`` is its base URL."""

    def __init__(self, handler: type[JsonHandler], app: Any) -> None:
        bound = type("Bound" + handler.__name__, (handler,), {"app": app})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), bound)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self.httpd.serve_forever(poll_interval=0.05)  # a quick shutdown keeps the suite fast

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


@contextmanager
def serving(handler: type[JsonHandler], app: Any) -> Iterator[LoopbackServer]:
    with LoopbackServer(handler, app) as server:
        yield server
