"""Plan reuse: when neither the folder nor the account changed, the plan is the one made last time.

A plan is a function of the environment's files, syncset's code, the account's records and the
options it was asked with; with all of them unchanged, building it again (validate, resolve,
diff: most of a warm plan) gives the same plan. So a planning command that asks for reuse
(``syncset plan``) keeps its plan in ``.syncset/cache/`` beside the parse cache, under
everything it came from, and the next one gives it back when:

* the folder is file for file what it was: the same names, and for each the same size, mtime,
  ctime, inode and device (``os.stat``, taken before the files were read). An edit changes
  the ctime even when it keeps the size and puts the mtime back, and no program can set a
  ctime; a file touched within :data:`SETTLE_NS` of the run that stored the plan could have
  changed in the same clock tick, so such a plan is never stored (git's "racily clean" rule);
* the account's content is what the plan was made from: the provider reads every row of the
  kinds the plan listed and digests them without decoding (:func:`content_digest`); a provider
  that cannot state such a digest (the HTTP providers) never has its plans reused;
* the code, the account's description and ``--rekey`` are the same, the whole environment is
  planned (no selection), and no record read an ``env()`` value or a sensitive field (the plan
  would then depend on the process's environment, which no file records).

Only the stamps of the run are new: ``created_at``, ``git_commit`` and the call count. Deleting
``.syncset/cache/`` (or ``--no-cache``, ``SYNCSET_NO_CACHE=1``) makes the next plan start from
nothing. The stored plan is validated as a plan again when read back; a file that cannot be
read is no plan (the cache's trust is the parse cache's: docs/security.md).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from syncset.config.digest import FileStamp, stamp_of
from syncset.config.header import validate_header
from syncset.config.load import ENVIRONMENT_FILE, MAPPINGS_FILE, record_files, shown_path
from syncset.config.parse_cache import (
    SafeUnpickler,
    cache_file,
    context_of,
    read_sealed,
    write_sealed,
)
from syncset.errors import Problem
from syncset.model import Environment
from syncset.plan.model import Plan
from syncset.providers.base import Provider, content_digest, listed_digest

FORMAT = 3
"""Bumped when what is stored changes: an older file is no plan."""

SETTLE_NS = 2_000_000_000
"""How long before a run a file must have last changed for the run's plan to be stored: more
than any file system's timestamp granularity (FAT's is 2 s), so that a write in the same tick
as the run's ``stat`` is never mistaken for no change."""


@dataclass(frozen=True)
class FolderState:
    """The environment folder's files as ``stat`` saw them, before any was read."""

    files: tuple[FileStamp, ...]
    taken_ns: int
    """The wall clock just before the first ``stat``."""
    record_paths: list[Path] | None = None
    """The record files found (:func:`~syncset.config.load.record_files`): validation reads
    these instead of walking the folder again."""

    @property
    def settled(self) -> bool:
        """Whether every file last changed :data:`SETTLE_NS` before the state was taken."""
        limit = self.taken_ns - SETTLE_NS
        return all(max(mtime, ctime) < limit for _, _, mtime, ctime, _, _ in self.files)


def folder_state(root: Path, folder: Path) -> FolderState | None:
    """The stamps of environment.yaml, mappings.yaml and every record file, in a fixed order;
    None when a file cannot be stat'ed or a link leads out of the folder (a plan then reports
    it, and is not reused), and on Windows, whose ``st_ctime`` is when a file was created, not
    when it last changed (a plan is then never reused)."""
    if sys.platform == "win32":
        return None
    taken = time.time_ns()
    problems: list[Problem] = []
    found = record_files(folder, problems, root)
    if problems:
        return None
    paths = [folder / ENVIRONMENT_FILE, folder / MAPPINGS_FILE, *found]
    files = []
    for index, path in enumerate(paths):
        try:
            status = os.stat(path)
        except FileNotFoundError:
            if index == 1:  # mappings.yaml is optional; its absence is part of the state
                continue
            return None
        except OSError:
            return None
        files.append(stamp_of(shown_path(root, path), status))
    return FolderState(tuple(files), taken, found)


def reuse_context(account: str, rekey: bool, kinds: list[str]) -> bytes:
    """What a stored plan is valid under besides the files and the account's content."""
    return context_of("plan", account, rekey, kinds)


@dataclass(frozen=True)
class Stored:
    """A plan as stored, with what it was made from."""

    files: tuple[FileStamp, ...]
    context: bytes
    kinds: list[str]
    account_digest: str
    env_digest: str
    plan_json: bytes


class PlanMemo:
    """The last plan of one environment folder, in ``.syncset/cache/``."""

    def __init__(self, root: Path, folder: Path) -> None:
        self.root, self.folder = root, folder
        self._path = cache_file(root, folder, "plan")

    def holds_one(self) -> bool:
        """Whether a plan is stored (one ``stat``): without one, a plan takes the files'
        stamps as it reads them instead of in a pass of its own."""
        return self._path is not None and os.path.isfile(self._path)  # False on any error

    def recall(self, state: FolderState) -> Stored | None:
        """The stored plan when it was made from exactly these files; the caller still
        compares its context and the account's digest."""
        stored = self._load()
        if stored is None or stored.files != state.files:
            return None
        return stored

    def store(
        self,
        state: FolderState,
        context: bytes,
        kinds: list[str],
        account_digest: str,
        environment: Environment,
        plan: Plan,
    ) -> None:
        """Keep ``plan`` for the next run; only a settled folder's (see FolderState.settled),
        else the plan stored before is removed (it will not match again)."""
        if self._path is None:
            return
        if not state.settled:
            self.forget()
            return
        about = {
            "files": list(state.files),
            "context": context,
            "kinds": kinds,
            "account_digest": account_digest,
            "env_digest": environment.digest,
        }
        head = pickle.dumps((FORMAT, about), protocol=pickle.HIGHEST_PROTOCOL)
        # the plan's JSON after the pickle, not inside it: no copy of tens of MB into it
        write_sealed(
            self._path, len(head).to_bytes(8, "big"), head, plan.model_dump_json().encode()
        )

    def forget(self) -> None:
        """Remove the stored plan: one that cannot match is not read again by every run."""
        if self._path is not None:
            with contextlib.suppress(OSError):
                self._path.unlink()

    def _load(self) -> Stored | None:
        if self._path is None:
            return None
        try:
            sealed = read_sealed(self._path)
            if sealed is None or len(sealed) < 8:
                return None
            end = 8 + int.from_bytes(sealed[:8], "big")
            version, about = SafeUnpickler(io.BytesIO(sealed[8:end])).load()
            if version != FORMAT or end > len(sealed):
                return None
            stored = Stored(
                files=tuple(tuple(f) for f in about["files"]),
                context=about["context"],
                kinds=list(about["kinds"]),
                account_digest=about["account_digest"],
                env_digest=about["env_digest"],
                plan_json=sealed[end:],
            )
        except Exception:  # any unreadable file is only a plan made again
            return None
        types_ok = (
            isinstance(stored.context, bytes)
            and isinstance(stored.plan_json, bytes)
            and isinstance(stored.account_digest, str)
            and isinstance(stored.env_digest, str)
            and all(isinstance(kind, str) for kind in stored.kinds)
        )
        return stored if types_ok else None


def restamped(stored: Stored, environment: str, git_commit: str | None, stats: Any) -> Plan | None:
    """The stored plan with this run's stamps (when, which commit, the calls made); None
    when it does not read back as a whole plan of ``environment``."""
    try:
        plan = Plan.model_validate_json(stored.plan_json)
    except ValidationError:
        return None
    if plan.environment != environment or not plan.selection.everything:
        return None
    return plan.model_copy(
        update={
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "git_commit": git_commit,
            "api_calls": stats.calls,
            "api_budget_remaining": stats.budget_remaining,
        }
    )


def reused_plan(
    memo: PlanMemo,
    state: FolderState | None,
    name: str,
    rekey: bool,
    last_commit: Callable[[], str | None],
    open_provider: Callable[[Environment], Provider],
) -> tuple[Environment, Provider, None, Plan] | None:
    """The stored plan, when the files, the account's content and the context are those it
    was made from: (the environment without records, its open provider, no resolution, the
    plan), what :class:`syncset.workflow.PlanRun` is made of. None for a plan to be made."""
    stored = memo.recall(state) if state is not None else None
    header = validate_header(memo.root, name) if stored is not None else None
    if stored is None or header is None:
        return None
    provider = open_provider(header)
    try:
        context = reuse_context(provider.describe(), rekey, stored.kinds)
        same = context == stored.context
        if same and content_digest(provider, stored.kinds) == stored.account_digest:
            plan = restamped(stored, name, last_commit(), provider.stats)
            if plan is not None:
                return replace(header, digest=stored.env_digest), provider, None, plan
    except BaseException:
        provider.close()
        raise
    provider.close()
    return None


def keep_plan(
    memo: PlanMemo,
    state: FolderState,
    environment: Environment,
    provider: Provider,
    plan: Plan,
    rekey: bool,
    kinds: list[str],
) -> None:
    """Store ``plan`` (made from ``kinds`` listed) for the next run, unless it depends on more
    than files and account: a record that read ``env()`` or holds a sensitive field (the
    process's environment), or a provider that cannot digest what it listed."""
    digest = listed_digest(provider, kinds)
    if digest is None or any(record.secrets for record in environment.records.values()):
        memo.forget()
        return
    context = reuse_context(provider.describe(), rekey, kinds)
    memo.store(state, context, kinds, digest, environment, plan)
