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

ABANDON_WAIT = 1.0
"""Seconds an abandoned read is given to end before the plan's error is raised without it."""


@dataclass
class EarlyRead:
    """What was read: the open provider, the fields its account lacks, and the kinds listed
    (none when some catalog field is unsupported: the records are checked against it first)."""

    provider: Provider
    unsupported: dict[str, dict[str, str]]
    listed: KindLists = field(default_factory=dict)


class AccountRead:
    """An account's configuration kinds, listed in a thread while the files are parsed.

    ``start`` is given to validate (``while_parsing``); then exactly one of ``finish`` (the
    records are valid: it also reads the reference kinds they use) or ``abandon`` (they are
    not)."""

    def __init__(self, open_account: Callable[[dict[str, Any]], Provider], kinds: Sequence[str]):
        self._open = open_account
        self._kinds = list(kinds)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._checked = threading.Event()
        """Set once the account's schema is known (or the read failed): from then on the
        calling thread may list kinds of its own beside this thread's."""
        self._provider: Provider | None = None
        self._abandoned = False
        self._unsupported: dict[str, dict[str, str]] = {}
        self._listed: KindLists = {}
        self._error: BaseException | None = None
        self._told = 0
        self._total = len(self._kinds)

    def start(self, account: dict[str, Any]) -> None:
        """Open the account named by ``account`` (environment.yaml's settings) and read it."""
        self._thread = threading.Thread(
            target=self._read, args=(account,), name="syncset-account-read", daemon=True
        )
        self._thread.start()

    def finish(self, more: Sequence[str] = ()) -> EarlyRead | None:
        """The read's outcome (None if it never started), with the kinds of ``more`` (the
        reference data the records use) listed here while the thread lists the rest; an error
        of either is raised here, after the provider is closed (the thread's first: its kinds
        come first in the catalog). Interrupted (Ctrl-C), the read is abandoned."""
        if self._thread is None:
            return None
        try:
            self._checked.wait()
            extra: KindLists = {}
            if self._error is None and not self._unsupported and self._provider is not None:
                wanted = [k for k in more if k not in self._kinds and k in self._supported()]
                with self._lock:
                    self._total += len(wanted)
                try:
                    extra = list_many(self._provider, wanted, lambda done, kind: self._tell(kind))
                except Exception:
                    self._thread.join()
                    if self._error is not None:
                        raise self._error from None
                    raise
            self._thread.join()
            if self._error is not None:
                raise self._error
        except BaseException:
            self.abandon()
            raise
        assert self._provider is not None
        return EarlyRead(self._provider, self._unsupported, {**self._listed, **extra})

    def abandon(self) -> None:
        """Stop the read and close what it opened; nothing of it is used.

        The provider is closed at once (an HTTP read still under way fails at its next request,
        a sandbox read ends with the list in progress) and the thread is given
        :data:`ABANDON_WAIT` to end: a request already waiting for its answer is not cut
        short, and an invalid environment's error must not wait for a slow account. A thread
        still running then closes whatever it opens itself."""
        if self._thread is None:
            return
        with self._lock:
            self._abandoned = True
            provider, self._provider = self._provider, None
        if provider is not None:
            provider.close()
        self._thread.join(ABANDON_WAIT)

    def _read(self, account: dict[str, Any]) -> None:
        try:
            provider = self._open(account)
            with self._lock:
                self._provider = provider
                if self._abandoned:
                    return
            self._unsupported = unsupported_fields(provider)
            self._checked.set()
            if self._unsupported:
                return
            kinds = [kind for kind in self._kinds if kind in self._supported()]
            with self._lock:
                self._total -= len(self._kinds) - len(kinds)
                notify(Step.KINDS, self._told, self._total)
            self._listed = list_many(provider, kinds, lambda done, kind: self._tell(kind))
        except BaseException as exc:  # raised again by finish(), in the plan's own thread
            self._error = exc
        finally:
            self._checked.set()
            with self._lock:  # abandoned meanwhile: what this thread opened is its to close
                late = self._provider if self._abandoned else None
                self._provider = None if self._abandoned else self._provider
            if late is not None:
                late.close()

    def _supported(self) -> frozenset[str]:
        assert self._provider is not None
        return self._provider.capabilities.kinds

    def _tell(self, kind: str) -> None:
        """One kind listed, by either thread: one count for the display (cli/reading.py),
        told under the lock so that the counts arrive in order."""
        with self._lock:
            self._told += 1
            notify(Step.KINDS, self._told, self._total, kind)
