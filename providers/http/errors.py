"""The error tree of the HTTP layer; every class is an :class:`syncset.errors.ProviderError`.

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

Messages never hold a secret: they are built by the client from the method, a URL without its
query string, the kind of failure and a short server message passed through the client's
:class:`Redactor`, its handle on the process's one secret masker (:data:`syncset.secrets.SECRETS`),
which masks the credentials and their encodings (an echoed Basic header, a URL-encoded form).
"""

from __future__ import annotations

from typing import Any, ClassVar

from syncset.errors import ProviderError
from syncset.secrets import SECRETS


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

    def __init__(self, message: str, pending: bool = False) -> None:
        self.pending = pending
        """The server may still be working on it (we stopped waiting): give it time first."""
        super().__init__(message)


class Redactor:
    """The HTTP client's handle on :data:`syncset.secrets.SECRETS`: a credential it is given or
    mints is masked everywhere in this process, not only in this client's messages."""

    def add(self, *values: str | None) -> None:
        SECRETS.add(*values)

    def clean(self, text: str) -> str:
        return SECRETS.mask(text)
