"""The ``sandbox`` provider: a live account in a local SQLite file, the embedded default.

It behaves like a real account so that the README, the demo and most tests need no server: it
generates its own ids (upper-case, so never equal to a YAML slug), stores the ownership marker and
``disabled``, stamps ``created_at``/``updated_at``, refuses references to records it does not
hold, refuses a second record with a name that must be unique ("has already been taken", even
against a disabled one, as 4me/Xurrent does), and refuses to delete a record still in use.

Writes are single SQLite transactions. (The tests that kill or fail an apply after N writes
patch this class from tests/faults.py: the shipped provider has no fault switch.)
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, ParamSpec, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict

from syncset.errors import ProviderError, WriteRejected
from syncset.providers.base import (
    MARKER_BATCH,
    ApiStats,
    Capabilities,
    LiveRecord,
    Marker,
    MarkerHits,
    ProviderContext,
    carriers,
)
from syncset.providers.sandbox.file import COLUMNS, live_record, open_reader, open_writer
from syncset.safepath import check_repository_path, confined
from syncset.schemas import CATALOG, KindSpec
from syncset.schemas.base import top_field


class SandboxSettings(BaseModel):
    """``account:`` settings of a sandbox environment."""

    model_config = ConfigDict(extra="forbid")
    path: Annotated[str, AfterValidator(check_repository_path)]
    """The SQLite file, relative to the repository root (e.g. ``.syncset/dev.sqlite``); it may
    not climb out of the repository nor lie inside ``.git/``."""
    create: bool = True
    """Create the file on the first write; when false a missing file is an error."""


Rows = list[tuple[Any, ...]]
"""Rows of ``records`` as SQLite returns them."""

P = ParamSpec("P")
T = TypeVar("T")


def _serialised(method: Callable[P, T]) -> Callable[P, T]:
    """One call at a time: apply writes concurrently, and a SQLite connection is not shared."""

    @wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with args[0]._mutex:  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return wrapper


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_live_id() -> str:
    return f"SBX-{secrets.token_hex(6).upper()}"


class SandboxProvider:
    """A sandbox account. Reads never create the file; the first write does."""

    name: ClassVar[str] = "sandbox"
    settings_model: ClassVar[type[BaseModel]] = SandboxSettings

    def __init__(self, settings: SandboxSettings, context: ProviderContext) -> None:
        root = Path(context.root)
        self.path = confined(root, root / settings.path, root)
        self.shown = settings.path
        self._create = settings.create
        self._db: sqlite3.Connection | None = None
        self._mutex = threading.RLock()
        self._stats = ApiStats()
        self._listed: dict[str, bytes] = {}
        """Kind → digest of the rows :meth:`list` returned for it last (see listed_digest)."""
        if not self.path.exists() and not self._create:
            raise ProviderError(
                f"sandbox account {self.shown} does not exist (create: false in environment.yaml)"
            )
        self._writable = False
        if self.path.exists():
            self._db = open_reader(self.path, self.shown)

    # -- the protocol ------------------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            kinds=frozenset(CATALOG.names()),
            removal="both",
            writes_reference_data=True,
            local=True,
            lists_in_creation_order=True,  # ORDER BY seq
        )

    @property
    def stats(self) -> ApiStats:
        return self._stats

    def describe(self) -> str:
        state = "" if self.path.exists() else " (new, empty)"
        return f"sandbox {self.shown}{state}"

    @_serialised
    def list(self, kind: str) -> list[LiveRecord]:
        self._stats.count(kind)
        if self._db is None:
            return []
        rows = self._rows(kind)
        self._listed[kind] = _rows_digest(rows)
        return [live_record(row, self.shown) for row in rows]

    def _rows(self, kind: str) -> Rows:
        assert self._db is not None
        query = f"SELECT {COLUMNS} FROM records WHERE kind = ? ORDER BY seq"
        return self._db.execute(query, (kind,)).fetchall()

    # -- digests (plan/reuse.py): the account's content, without decoding it -----------------

    @_serialised
    def listed_digest(self, kinds: Sequence[str]) -> str | None:
        """The digest of what :meth:`list` returned for ``kinds`` in this session; None when
        one of them was not listed."""
        if self._db is None or any(kind not in self._listed for kind in kinds):
            return None
        return _combined(kinds, [self._listed[kind] for kind in kinds])

    @_serialised
    def content_digest(self, kinds: Sequence[str]) -> str | None:
        """The digest :meth:`listed_digest` would give after listing ``kinds`` now: the same
        rows, read (one call per kind, as listing costs) but not decoded. None for an account
        not created yet (nothing to compare)."""
        if self._db is None:
            return None
        digests = []
        for kind in kinds:
            self._stats.count(kind)
            digests.append(_rows_digest(self._rows(kind)))
        return _combined(kinds, digests)

    @_serialised
    def get(self, kind: str, live_id: str) -> LiveRecord | None:
        self._stats.count(kind)
        if self._db is None:
            return None
        row = self._db.execute(
            f"SELECT {COLUMNS} FROM records WHERE kind = ? AND live_id = ?", (kind, live_id)
        ).fetchone()
        return live_record(row, self.shown) if row else None

    @_serialised
    def find_by_marker(self, kind: str, marker: Marker) -> LiveRecord | None:
        self._stats.count(kind)
        if self._db is None:
            return None
        row = self._db.execute(
            f"SELECT {COLUMNS} FROM records WHERE kind = ? AND source = ? AND source_id = ?",
            (kind, marker.source, marker.source_id),
        ).fetchone()
        return live_record(row, self.shown) if row else None

    @_serialised
    def find_by_markers(self, kind: str, markers: Sequence[Marker]) -> MarkerHits:
        found: MarkerHits = {}
        unique = sorted(set(markers), key=lambda m: (m.source, m.source_id))
        for start in range(0, len(unique), MARKER_BATCH):
            self._stats.count(kind)
            if self._db is None:
                break
            batch = unique[start : start + MARKER_BATCH]
            pairs = " OR ".join("(source = ? AND source_id = ?)" for _ in batch)
            values = [v for m in batch for v in (m.source, m.source_id)]
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM records WHERE kind = ? AND ({pairs}) ORDER BY seq",
                (kind, *values),
            ).fetchall()
            found.update(carriers((live_record(row, self.shown) for row in rows), batch))
        return found

    @_serialised
    def create(self, kind: str, fields: dict[str, Any], marker: Marker | None) -> LiveRecord:
        spec = CATALOG[kind]
        db = self._writer()
        data = _with_child_ids(spec, {k: v for k, v in fields.items() if k != "disabled"}, {})
        self._check_references(db, spec, data)
        live_id = new_live_id()
        now = _now()
        try:
            with db:
                db.execute(
                    "INSERT INTO records (live_id, kind, unique_key, source, source_id, disabled, "
                    "created_at, updated_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        live_id,
                        kind,
                        _unique_key(spec, data),
                        marker.source if marker else None,
                        marker.source_id if marker else None,
                        int(bool(fields.get("disabled", False))),
                        now,
                        now,
                        json.dumps(data, sort_keys=True),
                    ),
                )
        except sqlite3.IntegrityError as exc:
            raise _rejection(spec, exc) from None
        self._stats.count(kind)
        created = self.get(kind, live_id)
        assert created is not None
        return created

    @_serialised
    def update(
        self, kind: str, live_id: str, fields: dict[str, Any], marker: Marker | None = None
    ) -> LiveRecord:
        spec = CATALOG[kind]
        db = self._writer()
        current = self.get(kind, live_id)
        if current is None:
            raise WriteRejected(f"{kind} {live_id} does not exist in the account")
        data = {k: v for k, v in current.fields.items() if k not in ("created_at", "updated_at")}
        changes = {k: v for k, v in fields.items() if k != "disabled"}
        data.update(_with_child_ids(spec, changes, current.fields))
        self._check_references(db, spec, data)
        disabled = fields.get("disabled", current.disabled)
        # An empty marker (Marker("", "")) clears it: how a rollback un-adopts a record.
        kept = marker if marker is not None else current.marker
        source = (kept.source or None) if kept else None
        source_id = (kept.source_id or None) if kept and source else None
        try:
            with db:
                db.execute(
                    "UPDATE records SET unique_key = ?, source = ?, source_id = ?, disabled = ?, "
                    "updated_at = ?, data = ? WHERE live_id = ?",
                    (
                        _unique_key(spec, data),
                        source,
                        source_id,
                        int(bool(disabled)),
                        _now(),
                        json.dumps(data, sort_keys=True),
                        live_id,
                    ),
                )
        except sqlite3.IntegrityError as exc:
            raise _rejection(spec, exc) from None
        self._stats.count(kind)
        updated = self.get(kind, live_id)
        assert updated is not None
        return updated

    @_serialised
    def remove(self, kind: str, live_id: str, how: Literal["disable", "delete"]) -> None:
        if how == "disable":
            self.update(kind, live_id, {"disabled": True})
            return
        db = self._writer()
        users = db.execute(
            "SELECT kind, live_id FROM records WHERE live_id != ? AND instr(data, ?) > 0",
            (live_id, json.dumps(live_id)),
        ).fetchall()
        if users:
            raise WriteRejected(f"is still used by {users[0][0]} {users[0][1]}")
        with db:
            db.execute("DELETE FROM records WHERE live_id = ?", (live_id,))
        self._stats.count(kind)

    @_serialised  # a plan abandoning its early read closes while that thread lists (prefetch.py)
    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- internals ----------------------------------------------------------------------------

    def _writer(self) -> sqlite3.Connection:
        """The read-write connection, opened (and the file created) by the first write only."""
        if not self._writable or self._db is None:
            if self._db is not None:
                self._db.close()
            self._db = None
            self._db = open_writer(self.path, self.shown)
            self._writable = True
        return self._db

    def _check_references(
        self, db: sqlite3.Connection, spec: KindSpec, data: dict[str, Any]
    ) -> None:
        for path, target, live_id in spec.reference_values(data):
            row = db.execute(
                "SELECT 1 FROM records WHERE live_id = ? AND kind = ?", (live_id, target)
            ).fetchone()
            if row is None:
                raise WriteRejected(
                    f"no {target} with id {live_id} in the account", top_field(path)
                )


def _rows_digest(rows: Rows) -> bytes:
    """Rows as SQLite returned them (str, int, None): their repr is unambiguous."""
    return hashlib.blake2b(repr(rows).encode(), digest_size=16).digest()


def _combined(kinds: Sequence[str], digests: list[bytes]) -> str:
    whole = hashlib.blake2b(digest_size=16)
    for kind, digest in zip(kinds, digests, strict=True):
        whole.update(kind.encode() + b"\0" + digest)
    return whole.hexdigest()


def _unique_key(spec: KindSpec, data: dict[str, Any]) -> str | None:
    if not spec.unique_natural_key:
        return None
    return json.dumps([data.get(k) for k in spec.natural_key])


def _with_child_ids(
    spec: KindSpec, fields: dict[str, Any], current: dict[str, Any]
) -> dict[str, Any]:
    """Give child items ids, keeping the id of an item whose key is unchanged."""
    out = dict(fields)
    for name, child in spec.children.items():
        if name not in fields:
            continue
        existing = {
            tuple(item.get(k) for k in child.key): item.get("id") for item in current.get(name, [])
        }
        items = []
        for item in fields[name]:
            key = tuple(item.get(k) for k in child.key)
            items.append({**item, "id": existing.get(key) or new_live_id()})
        out[name] = items
    return out


def _rejection(spec: KindSpec, exc: sqlite3.IntegrityError) -> WriteRejected:
    message = str(exc)
    if "unique_key" in message:
        field = spec.natural_key[0]
        return WriteRejected(
            f"{field.replace('_', ' ').capitalize()} has already been taken", field
        )
    if "source" in message:
        return WriteRejected("another record already carries this ownership marker")
    return WriteRejected(message)


def open_sandbox(settings: BaseModel, context: ProviderContext) -> SandboxProvider:
    assert isinstance(settings, SandboxSettings)
    return SandboxProvider(settings, context)
