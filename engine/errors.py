"""The one exception tree of syncset. The CLI catches :class:`SyncsetError` and nothing else.

    SyncsetError                 anything a user can cause; printed as a message, exit 1
    ├── ConfigError              YAML that is malformed or invalid: a list of Problems
    ├── RepositoryError          no repository / environment folder, git refusals
    ├── ProviderError            a live account could not be reached or refused a call
    │   └── WriteRejected        the account refused one record (mapped back to a YAML field)
    ├── PlanFileError            a saved plan that cannot be used (version, checksum, env)
    ├── RefusedError             a safety gate said no (unmapped references, no confirmation)
    └── LockError                another apply holds the environment

Anything else that escapes is a bug and is allowed to show its traceback.

Every error's text passes through :data:`syncset.secrets.SECRETS` when it is made, so a message
that quotes a secret value (a server's echo, a rejected input) never carries it further.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncset.secrets import SECRETS


class SyncsetError(Exception):
    """Root of every error a user can cause. ``str(error)`` is what the user reads."""

    exit_code = 1

    def __init__(self, *args: Any) -> None:
        super().__init__(*(SECRETS.mask(a) if isinstance(a, str) else a for a in args))


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the configuration, pinned to a file position.

    Rendered as ``path:line:col: kind/id: field: message``; ``subject`` and ``field`` are left
    out when the problem is not about one record or field.
    """

    path: str
    line: int
    col: int
    message: str
    subject: str = ""
    field: str = ""

    def __str__(self) -> str:
        parts = [f"{self.path}:{self.line}:{self.col}"]
        if self.subject:
            parts.append(self.subject)
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


class ConfigError(SyncsetError):
    """The configuration has problems; all of them are listed, one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        lines = [str(p) for p in self.problems]
        lines.append(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.")
        super().__init__("\n".join(lines))


class RepositoryError(SyncsetError):
    """The repository layout, or git, does not allow what was asked."""


class ProviderError(SyncsetError):
    """A live account could not be reached, or answered in a way we cannot use."""


class WriteRejected(ProviderError):
    """The account refused to write one record; ``field`` is the YAML field it blamed, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class PlanFileError(SyncsetError):
    """A saved plan file cannot be used."""


class RefusedError(SyncsetError):
    """A safety gate refused to go on."""


class LockError(SyncsetError):
    """The environment is locked by another apply or rollback."""
