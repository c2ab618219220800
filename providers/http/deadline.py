"""A total deadline for every HTTP exchange: connect, send, wait and read the whole body.

httpx's timeouts bound each network operation, not the request: a server that trickles one byte a
second never trips a 30 s read timeout and keeps a plan waiting for hours. (httpx has no total
timeout; its maintainers place one in httpcore, encode/httpx#1450.) So every socket operation of an
exchange is given what is left of the exchange's deadline as its timeout, and fails as a timeout
once nothing is left: the layer above (syncset.providers.http.client) then handles it like any other
timeout — retried where that is safe, an unknown outcome for a write.

The deadline lives in a context variable set for the duration of one exchange, so connections
shared between the threads of an apply each obey the deadline of the request using them.
"""

from __future__ import annotations

import ssl
import time
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpcore
import httpx

from syncset.errors import ProviderError

_DEADLINE: ContextVar[float | None] = ContextVar("syncset_http_deadline", default=None)
_CHUNK = 64 * 1024


class DeadlinePassed(Exception):
    """The exchange's total deadline passed (mixed into the httpcore timeout of the step)."""


class _ConnectDeadline(DeadlinePassed, httpcore.ConnectTimeout):
    pass


class _ReadDeadline(DeadlinePassed, httpcore.ReadTimeout):
    pass


class _WriteDeadline(DeadlinePassed, httpcore.WriteTimeout):
    pass


def _budget(timeout: float | None, late: type[Exception]) -> float | None:
    """``timeout`` cut to what is left of the current deadline; raises ``late`` once passed."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise late("the total deadline of the exchange passed")
    return left if timeout is None else min(timeout, left)


@contextmanager
def _step(late: type[Exception]) -> Iterator[None]:
    """A step's own timeout that fired because the deadline cut it short counts as ``late``."""
    try:
        yield
    except httpcore.TimeoutException:
        deadline = _DEADLINE.get()
        if deadline is not None and time.monotonic() >= deadline:
            raise late("the total deadline of the exchange passed") from None
        raise


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation stays within the current deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _step(_ReadDeadline):
            return self._inner.read(max_bytes, _budget(timeout, _ReadDeadline))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        for start in range(0, len(buffer), _CHUNK):
            with _step(_WriteDeadline):
                chunk = buffer[start : start + _CHUNK]
                self._inner.write(chunk, _budget(timeout, _WriteDeadline))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        with _step(_ConnectDeadline):
            budget = _budget(timeout, _ConnectDeadline)
            return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, budget))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """Connects within the current deadline and hands out :class:`DeadlineStream` s."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Any = None,
    ) -> httpcore.NetworkStream:
        with _step(_ConnectDeadline):
            budget = _budget(timeout, _ConnectDeadline)
            stream = self._inner.connect_tcp(host, port, budget, local_address, socket_options)
        return DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Any = None
    ) -> httpcore.NetworkStream:
        with _step(_ConnectDeadline):
            budget = _budget(timeout, _ConnectDeadline)
            return DeadlineStream(self._inner.connect_unix_socket(path, budget, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.BaseTransport):
    """Runs each exchange of ``inner`` under a deadline of ``total`` seconds, body included."""

    def __init__(self, inner: httpx.BaseTransport, total: float) -> None:
        self._inner = inner
        self._total = total
        pool = getattr(inner, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if not isinstance(backend, httpcore.NetworkBackend):
            # httpx keeps its httpcore pool private; a version that changed that must not run
            # without the deadline unnoticed.
            raise ProviderError(
                f"httpx {httpx.__version__} / httpcore {httpcore.__version__} do not let syncset "
                "bound the total time of a request: install httpx 0.28 with httpcore 1.0"
            )
        pool._network_backend = DeadlineBackend(backend)  # type: ignore[union-attr]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        token = _DEADLINE.set(time.monotonic() + self._total)
        try:
            response = self._inner.handle_request(request)
            try:
                response.read()  # the body too, while the deadline holds
            except BaseException:
                response.close()
                raise
            return response
        finally:
            _DEADLINE.reset(token)

    def close(self) -> None:
        self._inner.close()


class DeadlineClient(httpx.Client):
    """An ``httpx.Client`` whose every transport (proxies from the environment too) runs each
    exchange within ``total_seconds``."""

    def __init__(self, total_seconds: float, **options: typing.Any) -> None:
        self._total_seconds = total_seconds
        super().__init__(**options)

    def _init_transport(self, *args: typing.Any, **kwargs: typing.Any) -> httpx.BaseTransport:
        return DeadlineTransport(super()._init_transport(*args, **kwargs), self._total_seconds)

    def _init_proxy_transport(self, *args: typing.Any, **kwargs: typing.Any) -> httpx.BaseTransport:
        inner = super()._init_proxy_transport(*args, **kwargs)
        return DeadlineTransport(inner, self._total_seconds)


def ssl_verification(verify_tls: bool, ca_bundle: str | None) -> bool | ssl.SSLContext:
    """What httpx's ``verify`` gets: off, the system's trust store, or a CA bundle on top."""
    if verify_tls and ca_bundle:
        return ssl.create_default_context(cafile=ca_bundle)
    return verify_tls


def deadline_client(
    total: float, connect: float, verify: bool | ssl.SSLContext, headers: dict[str, str]
) -> httpx.Client:
    """The client of :class:`syncset.providers.http.client.HttpClient`: each exchange done
    within ``total`` seconds, each step within ``total`` too, connecting within ``connect``; no
    redirects."""
    return DeadlineClient(
        total,
        timeout=httpx.Timeout(total, connect=connect),
        verify=verify,
        headers=headers,
        follow_redirects=False,
    )
