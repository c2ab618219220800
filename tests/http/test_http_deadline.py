"""A server that trickles its answer cannot keep a call past ``http.timeout_seconds``.

httpx's timeouts bound each read, so an answer sent a byte at a time never trips them; the HTTP
layer gives every exchange (the token request too) a total deadline. The servers here are real
sockets on 127.0.0.1 that send a valid-looking answer one byte every 0.2 s: without the
deadline each call below would take minutes.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from serverkit import JsonHandler, LoopbackServer

from syncset.providers.base import ApiStats
from syncset.providers.http.auth import ClientCredentials
from syncset.providers.http.client import (
    AuthFailed,
    HttpClient,
    HttpError,
    HttpSettings,
    NoAuth,
    TimedOut,
)

BYTE_EVERY = 0.05
TOTAL = 0.3
BODY = b'{"data": {"ok": true}}' + b" " * 400
"""About 24 s of trickling at one byte per 0.05 s: each byte comes well within the read timeout
(0.3 s), so only the total deadline can stop it."""


class Trickler(JsonHandler):
    """Answers every request with 200 and a JSON body, one byte at a time; the paths in the
    app's ``fast`` answer at once (so a test can trickle only the API, or only the token)."""

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.body()
        self._answer()

    def _answer(self) -> None:
        if self.path.startswith(self.app["fast"]):
            self.send_json(200, {"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
            return
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(BODY)}"
        for byte in head.encode() + b"\r\n\r\n" + BODY:
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return  # the client gave up: that is the point
            time.sleep(BYTE_EVERY)


def client(auth: Any = None, attempts: int = 1) -> HttpClient:
    settings = HttpSettings(
        timeout_seconds=TOTAL, max_attempts=attempts, backoff_seconds=0.01, burst={"requests": 50}
    )
    return HttpClient(auth or NoAuth(), settings, ApiStats())


def timed(call: Any) -> tuple[float, Exception]:
    started = time.monotonic()
    with pytest.raises(HttpError) as caught:
        call()
    return time.monotonic() - started, caught.value


def test_an_answer_trickled_a_byte_at_a_time_is_cut_off_at_the_total_deadline() -> None:
    with LoopbackServer(Trickler, {"fast": ("/never",)}) as server:
        http = client()
        try:
            took, error = timed(
                lambda: http.request("POST", f"{server.url}/graphql", json={}, idempotent=True)
            )
        finally:
            http.close()

    assert isinstance(error, TimedOut)
    assert "no whole answer within http.timeout_seconds" in str(error)
    assert took < TOTAL + 1.5


def test_retries_of_a_trickled_answer_each_stop_at_the_deadline() -> None:
    with LoopbackServer(Trickler, {"fast": ("/never",)}) as server:
        http = client(attempts=3)
        try:
            took, error = timed(lambda: http.request("GET", server.url, idempotent=True))
        finally:
            http.close()

    assert isinstance(error, TimedOut)
    assert "after 3 attempts" in str(error)
    assert took < 3 * TOTAL + 2.0


def test_a_trickled_token_answer_is_cut_off_at_the_total_deadline() -> None:
    with LoopbackServer(Trickler, {"fast": ("/graphql",)}) as server:
        auth = ClientCredentials(f"{server.url}/token", "syncset-ci", "s3cr3t-client-secret")
        http = client(auth)
        try:
            took, error = timed(
                lambda: http.request("POST", f"{server.url}/graphql", json={}, idempotent=True)
            )
        finally:
            http.close()

    assert isinstance(error, (TimedOut, AuthFailed))
    assert "token request" in str(error)
    assert "s3cr3t-client-secret" not in str(error)
    assert took < TOTAL + 1.5


def test_a_write_trickled_past_the_deadline_is_an_unknown_outcome_not_a_resend() -> None:
    from syncset.providers.http.client import OutcomeUnknown

    with LoopbackServer(Trickler, {"fast": ("/never",)}) as server:
        http = client(attempts=3)
        try:
            took, error = timed(
                lambda: http.request("POST", f"{server.url}/graphql", json={}, idempotent=False)
            )
        finally:
            http.close()

    assert isinstance(error, OutcomeUnknown)
    assert took < TOTAL + 1.5
