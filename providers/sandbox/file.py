"""The sandbox account's SQLite file: opened read-only for reads, created privately for writes,
and every row checked before the engine sees it.

Reads must never write: a plan against an empty or foreign file must not leave a schema in it,
so reads use a ``mode=ro`` connection and the schema is created only by the first write. The file
is private state (docs/security.md): created 0600, its new folders 0700. A row whose columns or
``data`` do not have the shape the kind declares (someone edited the file with sqlite3) is a
clear error naming the record, never a traceback further down.
"""

from __future__ import annotations

import json
import os
import sqlite3
from functools import cache
from pathlib import Path
from typing import (
    Any,
    Literal,
    NotRequired,  # pydantic needs this one before 3.12
    Optional,
)

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from syncset.errors import ProviderError
from syncset.providers.base import LiveRecord, Marker
from syncset.safepath import make_folders, open_new
from syncset.schemas import CATALOG, KindSpec

SCHEMA_VERSION = "1"
TABLES = frozenset({"meta", "records"})

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    live_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    unique_key TEXT,
    source TEXT,
    source_id TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (kind, unique_key),
    UNIQUE (kind, source, source_id)
);
CREATE INDEX IF NOT EXISTS records_kind ON records (kind, seq);
"""

MOVE_AWAY = "move it away to start an empty account"


def open_reader(path: Path, shown: str) -> sqlite3.Connection | None:
    """A read-only connection; None for a file without tables (an account with no records)."""
    _not_a_folder(path, shown)
    try:
        db = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=30, check_same_thread=False
        )
        db.execute("PRAGMA busy_timeout = 30000")
        if not _tables(db, shown):
            db.close()
            return None
        _check_version(db, shown)
    except sqlite3.DatabaseError as exc:
        raise _unusable(shown, exc) from None
    return db


def open_writer(path: Path, shown: str) -> sqlite3.Connection:
    """A read-write connection, creating the file (0600) and its schema on first use."""
    _not_a_folder(path, shown)
    if not path.exists():
        try:
            make_folders(path.parent, private=True)
            os.close(open_new(path, private=True))
        except FileExistsError:
            pass  # created by a concurrent writer: use it
        except OSError as exc:
            message = f"sandbox account {shown}: cannot create it ({exc.strerror})"
            raise ProviderError(message) from None
    try:
        db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        db.isolation_level = "DEFERRED"
        db.execute("PRAGMA busy_timeout = 30000")
        _tables(db, shown)
        with db:
            db.executescript(DDL)
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                (SCHEMA_VERSION,),
            )
        _check_version(db, shown)
    except sqlite3.DatabaseError as exc:
        raise _unusable(shown, exc) from None
    return db


def _not_a_folder(path: Path, shown: str) -> None:
    if path.is_dir():
        raise ProviderError(f"sandbox account {shown} is a folder, not a SQLite file")


def _tables(db: sqlite3.Connection, shown: str) -> set[str]:
    """The file's tables; refuses a database of another program (tables, but not ours)."""
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    tables = {str(row[0]) for row in rows} - {"sqlite_sequence"}
    if tables and not tables >= TABLES:
        found = ", ".join(sorted(tables))
        raise ProviderError(
            f"sandbox account {shown} is a SQLite database of something else (tables: "
            f"{found}), not a syncset sandbox: {MOVE_AWAY}, or set another path:"
        )
    return tables


def _check_version(db: sqlite3.Connection, shown: str) -> None:
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = row[0] if row else None
    if version != SCHEMA_VERSION:
        raise ProviderError(
            f"sandbox account {shown} has schema version {version}, expected "
            f"{SCHEMA_VERSION}: {MOVE_AWAY}"
        )


def _unusable(shown: str, exc: sqlite3.DatabaseError) -> ProviderError:
    return ProviderError(
        f"sandbox account {shown} is not a usable SQLite database ({exc}): {MOVE_AWAY}"
    )


# -- rows ----------------------------------------------------------------------------------------


class Row(BaseModel):
    """One row of ``records`` as the engine may use it (SQLite itself does not enforce types)."""

    model_config = ConfigDict(strict=True, frozen=True)
    live_id: str
    kind: str
    source: str | None
    source_id: str | None
    disabled: Literal[0, 1]
    created_at: str
    updated_at: str
    data: str


COLUMNS = "live_id, kind, source, source_id, disabled, created_at, updated_at, data"
"""The columns :func:`live_record` reads, in its order."""
_NAMES = tuple(COLUMNS.split(", "))


def live_record(values: tuple[Any, ...], shown: str) -> LiveRecord:
    """A row as a LiveRecord, refused with a clear error when it is not what syncset wrote."""
    live_id = values[0]
    try:
        row = Row.model_validate(dict(zip(_NAMES, values, strict=True)))
        fields = json.loads(row.data)
        if not isinstance(fields, dict):
            raise ValueError("data is not a JSON object")
        spec = CATALOG[row.kind]
        _check_fields(spec, fields)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(step) for step in first["loc"])
        raise _damaged(shown, live_id, f"{where}: {first['msg']}") from None
    except (ValueError, RecursionError) as exc:
        raise _damaged(shown, live_id, str(exc) or type(exc).__name__) from None
    fields["disabled"] = bool(row.disabled)
    fields["created_at"] = row.created_at
    fields["updated_at"] = row.updated_at
    marker = Marker(row.source, row.source_id or "") if row.source else None
    return LiveRecord(row.kind, row.live_id, fields, marker, bool(row.disabled))


def _damaged(shown: str, live_id: Any, what: str) -> ProviderError:
    return ProviderError(
        f"sandbox account {shown}: record {live_id} is damaged ({what}): repair the row with "
        f"sqlite3, or {MOVE_AWAY}"
    )


def _check_fields(spec: KindSpec, fields: dict[str, Any]) -> None:
    """Every declared field has its kind's shape: references live ids, children lists of
    objects, other values of their declared type (the account's values, not YAML's rules).
    One validator per kind checks them all at once (a plan reads every row)."""
    try:
        _stored_shape(spec.name).validate_python(fields)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise ValueError(f"{_where(spec, first['loc'])}: {first['msg']}") from None


def _where(spec: KindSpec, loc: tuple[int | str, ...]) -> str:
    """``members``, ``columns[2].name``: the field an error is in, as syncset names fields
    (a child item's field, else the record's; never pydantic's steps inside a value)."""
    name = str(loc[0]) if loc else ""
    if name in spec.children and len(loc) >= 3 and isinstance(loc[1], int):
        return f"{name}[{loc[1]}].{loc[2]}"
    return name


@cache
def _stored_shape(kind: str) -> TypeAdapter[Any]:
    """The shape of a stored record's declared fields, each optional, undeclared ones ignored:
    a TypedDict per kind (and per child collection) of :func:`_shape`'s types."""
    spec = CATALOG[kind]
    declared: dict[str, Any] = {}
    for name in spec.fields:
        if name == "disabled":
            continue
        child = spec.children.get(name)
        if child is None:
            declared[name] = NotRequired[_shape_type(kind, name, None)]
            continue
        item: Any = _typed_dict(
            f"Stored_{kind}_{name}",
            {key: NotRequired[_shape_type(kind, name, key)] for key in child.model.model_fields},
        )
        declared[name] = NotRequired[list[item]]
    return TypeAdapter(_typed_dict(f"Stored_{kind}", declared))


_typed_dict: Any = TypedDict
"""TypedDict's functional form, for classes made from the catalog at run time."""


def _shape_type(kind: str, name: str, child_field: str | None) -> Any:
    """The type a stored value must have: references hold live ids (strings)."""
    spec = CATALOG[kind]
    if child_field is None:
        ref = spec.reference(name)
        if ref is not None:
            return list[str] if ref.many else str | None
        return Optional[spec.model.model_fields[name].annotation]  # noqa: UP045 - a runtime value
    if any(r.child == name and r.field == child_field for r in spec.references):
        return str | None
    model = spec.children[name].model
    return Optional[model.model_fields[child_field].annotation]  # noqa: UP045
