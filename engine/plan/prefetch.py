"""Reading the account while the files are parsed: a plan's two reads at once.

A plan reads both sides: the environment's files (CPU: parsing) and the account (mostly
waiting: a round trip per page on an HTTP API). One after the other, a plan on a 50 ms API waits
for the whole fetch after the whole parse. The kinds a plan reads are every configuration kind
(managed records may have left the YAML) and the reference data the records use (people,
organizations): the first set is known from the catalog before any record is parsed. So
:class:`AccountRead` opens the provider and lists the configuration kinds in a thread of its own
from the moment the record files start to parse (once environment.yaml is valid, and after the
parse pool has forked its workers: a thread must never run across a fork), and the plan reads
the reference kinds the records use once they are known (``read_live(..., already=...)``).

What stays as it was without it:

* a YAML value for a field the account's schema lacks is refused before any list call: the
  thread asks for the account's schema first and lists nothing when the catalog has fields the
  account lacks; the plan then checks the records and reads as before;
* an environment with invalid records reports its problems, and nothing read reaches a plan:
  the read is abandoned (the provider is closed, which makes an HTTP provider's remaining
  requests fail at once) and its thread joined before the error is raised;
* a failure of the read (an unreachable account, refused credentials) is raised in the calling
  thread, after validation, so an invalid file is still what is reported first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from syncset.progress_events import Step, notify
from syncset.providers.base import KindLists, Provider, list_many, unsupported_fields


@dataclass
class EarlyRead:
    """What the thread read: the open provider, the fields its account lacks, and the kinds
    listed (none when some catalog field is unsupported: they are checked first)."""

    provider: Provider
    unsupported: dict[str, dict[str, str]]
    listed: KindLists = field(default_factory=dict)


class AccountRead:
    """The configuration kinds of an account, listed in a thread while the files are parsed.

    ``start`` is given to validate (``while_parsing``); then exactly one of ``finish`` (the
    records are valid: the read's outcome, or its error) or ``abandon`` (they are not)."""

    def __init__(self, open_account: Callable[[dict[str, Any]], Provider], kinds: Sequence[str]):
        self._open = open_account
        self._kinds = list(kinds)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._provider: Provider | None = None
        self._abandoned = False
        self._outcome: EarlyRead | None = None
        self._error: BaseException | None = None

    def start(self, account: dict[str, Any]) -> None:
        """Open the account named by ``account`` (environment.yaml's settings) and read it."""
        self._thread = threading.Thread(
            target=self._read, args=(account,), name="syncset-account-read", daemon=True
        )
        self._thread.start()

    def finish(self) -> EarlyRead | None:
        """The read's outcome once it is over (None if it never started); its error, raised
        here, after the provider it opened is closed."""
        if self._thread is None:
            return None
        self._thread.join()
        if self._error is not None:
            self._close()
            raise self._error
        return self._outcome

    def abandon(self) -> None:
        """Stop the read and close what it opened; nothing of it is used."""
        if self._thread is None:
            return
        with self._lock:
            self._abandoned = True
            provider, self._provider = self._provider, None
        if provider is not None:
            provider.close()  # an HTTP read in flight fails at its next request
        self._thread.join()
        self._close()  # opened after the look above: the thread saw the flag and stopped

    def _read(self, account: dict[str, Any]) -> None:
        try:
            provider = self._open(account)
            with self._lock:
                self._provider = provider
                if self._abandoned:
                    return
            unsupported = unsupported_fields(provider)
            listed: KindLists = {}
            if not unsupported:
                supported = provider.capabilities.kinds
                kinds = [kind for kind in self._kinds if kind in supported]
                notify(Step.KINDS, 0, len(kinds))
                listed = list_many(
                    provider, kinds, lambda done, kind: notify(Step.KINDS, done, len(kinds), kind)
                )
            self._outcome = EarlyRead(provider, unsupported, listed)
        except BaseException as exc:  # raised again by finish(), in the plan's own thread
            self._error = exc

    def _close(self) -> None:
        with self._lock:
            provider, self._provider = self._provider, None
        if provider is not None:
            provider.close()
